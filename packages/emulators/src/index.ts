// @dataplane/emulators — local Azure endpoints for demos and tests.
export * from "./azurite/index.js";
export * from "./files/index.js";
export * from "./keyvault/index.js";
export * from "./start/index.js";
