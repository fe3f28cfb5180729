// @dataplane/core — the front door. Everything a plugin or a host needs is exported here.

// The contract
export type * from "./contract/context.js";
export type * from "./contract/engine.js";
export type * from "./contract/generate.js";
export type * from "./contract/item.js";
export type * from "./contract/plugin.js";
export type * from "./contract/result.js";
export type { AzureResource, ResourceIdParts } from "./contract/resource.js";
export { parseResourceId, resourceProperty, sameResourceType } from "./contract/resource.js";
export { definePlugin } from "./contract/plugin.js";
export { CONTRACT_VERSION, CORE_VERSION } from "./contract/version.js";

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

// Registry and loader
export { type PluginOrigin, PluginRegistry, type RegisteredPlugin } from "./registry/registry.js";
export { checkPluginShape } from "./registry/plugin-shape.js";
export {
  type CandidateSources,
  findPluginCandidates,
  locatePackage,
  nearestPackageDir,
  type PluginCandidate,
} from "./loader/candidates.js";
export { type LoadOptions, type LoadReport, loadPlugins, type PluginRefusal, type RefusalReason } from "./loader/load-plugins.js";

// Terraform HCL
export { expr, HclBlock, HclBody, type HclExpression, HclFile, type HclValue, isExpression, quote, ref } from "./hcl/hcl.js";
export { IdentifierAllocator, sanitizeIdentifier } from "./hcl/identifiers.js";

// Redaction and logging
export { REDACTED, SecretRedactor } from "./redaction/redactor.js";
export { createLogger, type LoggerOptions, type LogLevel, silentLogger } from "./logging/logger.js";
