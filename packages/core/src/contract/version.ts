import { readFileSync } from "node:fs";

/**
 * The plugin contract version. A plugin declares the range it was built for in its
 * package.json (`"dataplane": { "apiVersion": "^1.0.0" }`); the loader refuses plugins whose
 * range does not include this version. Bump the major on breaking changes to the contract.
 */
export const CONTRACT_VERSION = "1.0.0";

/** The `@dataplane/core` package version, read from its package.json (src/ and dist/ alike). */
export const CORE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
