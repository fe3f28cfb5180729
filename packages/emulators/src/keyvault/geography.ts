// Location → geography is Azure platform knowledge, kept once in @dataplane/core.
export { geographyOf, normaliseLocation } from "@dataplane/core";
