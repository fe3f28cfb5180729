// @dataplane/cli — the `dataplane` command, also callable in-process.

export type { CliIo } from "./env.js";
export { runCli } from "./program.js";
