// @dataplane/core — the front door. Everything a plugin or a host needs is exported here.

// The contract
export type * from "./contract/context.js";
export type * from "./contract/engine.js";
export type * from "./contract/generate.js";
export { geographyOf, normaliseLocation } from "./contract/geography.js";
export type * from "./contract/item.js";
export type * from "./contract/plugin.js";
export { definePlugin } from "./contract/plugin.js";
export type { AzureResource, ResourceIdParts } from "./contract/resource.js";
export { parseResourceId, resourceProperty, sameResourceType } from "./contract/resource.js";
export type * from "./contract/result.js";
export { CONTRACT_VERSION, CORE_VERSION } from "./contract/version.js";
export { RunBook } from "./engine/bookkeeping.js";
export {
  type CheckpointStore,
  FileJournal,
  type JournalEntry,
  noCheckpoint,
  type PartitionCheckpoint,
  type RunIdentity,
} from "./engine/checkpoint.js";
// The replication engine and its mechanisms
export { DEFAULT_STOP_GRACE_MS, Engine, type EngineSettings } from "./engine/engine.js";
export { abortableSleep, type GovernorSettings, RequestGovernor } from "./engine/governor.js";
export { type Joined, mapJoin, mergeJoin } from "./engine/join.js";
export {
  acquireRunLock,
  defaultStateDir,
  type LockOwner,
  type RunLockHandle,
  type RunLockIdentity,
  runLockPath,
} from "./engine/lock.js";
export { comparatorOf, compareUtf8, compareUtf16, type KeyOrder } from "./engine/order.js";
export { TaskPool } from "./engine/pool.js";
export {
  formatShard,
  listRange,
  ownsKey,
  ownsName,
  parseShard,
  type RangeLister,
  rangeUnitOf,
  type Shard,
  stableHash,
  WHOLE,
} from "./engine/shard.js";
export { SlidingWindow } from "./engine/sliding-window.js";
export { classifyError, classifyStatus, retryAfterMs, type TransientInfo } from "./engine/transient.js";
// Errors
export {
  DataplaneError,
  type DataplaneErrorLike,
  type DataplaneErrorOptions,
  type ErrorCode,
  ErrorCodes,
  ExitCodes,
  formatError,
  isCouldNotRun,
  isDataplaneError,
} from "./errors/errors.js";
export {
  createItemFilter,
  filteredEngine,
  filterItems,
  filterSteps,
  type ItemFilter,
  type ItemFilterSpec,
} from "./filter/item-filter.js";
// Terraform HCL
export {
  expr,
  HclBlock,
  HclBody,
  type HclExpression,
  HclFile,
  type HclValue,
  isExpression,
  quote,
  ref,
} from "./hcl/hcl.js";
export { IdentifierAllocator, sanitizeIdentifier } from "./hcl/identifiers.js";
export {
  checkProviderSchema,
  type ProviderSchemaDocument,
  type SchemaAttribute,
  type SchemaBlock,
  type SchemaBlockType,
} from "./hcl/schema.js";
export { compareVersions, type TfvarsEntry, tfvarsExample, VersionFloor } from "./hcl/terraform.js";
export {
  type LaunchState,
  MEMORY_FLAGS,
  missingMemoryFlags,
  missingRuntimeFlags,
  NODE_DEFAULTS_ENV,
  RELAUNCH_MARKER,
  RUNTIME_V8_FLAGS,
  relaunchWithMemoryFlags,
} from "./launch/memory-flags.js";
export {
  type CandidateSources,
  findPluginCandidates,
  locatePackage,
  nearestPackageDir,
  type PluginCandidate,
} from "./loader/candidates.js";
export { type GuardOrigin, guardPlugin } from "./loader/guard.js";
export {
  type LoadOptions,
  type LoadReport,
  loadPlugins,
  type PluginRefusal,
  type RefusalReason,
} from "./loader/load-plugins.js";
export { createLogger, type LoggerOptions, type LogLevel, silentLogger } from "./logging/logger.js";
export {
  explainConnectionError,
  type ProbeOptions,
  type ProbeResult,
  probeEndpoint,
} from "./preflight/endpoint.js";
// Redaction and logging
export { REDACTED, redactJson, SecretRedactor } from "./redaction/redactor.js";
export { checkPluginShape } from "./registry/plugin-shape.js";
// Registry and loader
export { type PluginOrigin, PluginRegistry, type RegisteredPlugin } from "./registry/registry.js";
export { type ReportRun, ReportWriter } from "./report/report-writer.js";
export {
  createSession,
  type ReplicateOptions,
  registerAccessSecrets,
  Session,
  type SessionOptions,
} from "./session/session.js";
export { filterDefined, forEachLimited, mapInOrder } from "./util/concurrency.js";
