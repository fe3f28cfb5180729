// The Azure Files emulator: an in-process HTTP server that the unmodified
// `@azure/storage-file-share` clients talk to (Shared Key and SAS, path-style URLs).
export {
  type FilesEmulator,
  type FilesEmulatorAccount,
  type FilesEmulatorOptions,
  type SeedFileOptions,
  type SeedItemOptions,
  type SeedShareOptions,
  startFilesEmulator,
} from "./emulator.js";
export type { FilesAccountStats } from "./stats.js";
export type { FilesThrottling } from "./throttling.js";
export { LATEST_VERSION as FILES_API_VERSION } from "./versions.js";
