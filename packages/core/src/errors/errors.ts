/**
 * Typed errors with stable codes. Recognised structurally (`isDataplaneError`), never with
 * `instanceof`, so an error thrown by a plugin's copy of core is understood by the CLI's.
 */
export const ErrorCodes = {
  /** Bad command-line input or resource document. */
  InvalidInput: "DP_INVALID_INPUT",
  InvalidResource: "DP_INVALID_RESOURCE",
  InvalidConfig: "DP_INVALID_CONFIG",
  NoPlugin: "DP_NO_PLUGIN",
  AmbiguousPlugin: "DP_AMBIGUOUS_PLUGIN",
  PluginInvalid: "DP_PLUGIN_INVALID",
  PluginConflict: "DP_PLUGIN_CONFLICT",
  PluginIncompatible: "DP_PLUGIN_INCOMPATIBLE",
  PluginImportFailed: "DP_PLUGIN_IMPORT_FAILED",
  PluginNotFound: "DP_PLUGIN_NOT_FOUND",
  /** A plugin named with --plugin (DATAPLANE_PLUGINS, the config's plugins) was refused. */
  PluginRefused: "DP_PLUGIN_REFUSED",
  /** A plugin broke the contract at run time (discover not async iterable, a malformed result). */
  PluginContract: "DP_PLUGIN_CONTRACT",
  CredentialMissing: "DP_CREDENTIAL_MISSING",
  AuthenticationFailed: "DP_AUTHENTICATION_FAILED",
  PermissionDenied: "DP_PERMISSION_DENIED",
  NotFound: "DP_NOT_FOUND",
  Throttled: "DP_THROTTLED",
  Transient: "DP_TRANSIENT",
  Conflict: "DP_CONFLICT",
  Unsupported: "DP_UNSUPPORTED",
  Aborted: "DP_ABORTED",
  /** An endpoint failed every request at the connection level for the bounded time: the run stopped. */
  Unreachable: "DP_UNREACHABLE",
  /** A resource's endpoint failed the check before the run (closed, not resolvable, wrong protocol, not the service). */
  EndpointUnusable: "DP_ENDPOINT_UNUSABLE",
  /** Another run holds the lock on this target (and shard). */
  Locked: "DP_LOCKED",
  CheckpointInvalid: "DP_CHECKPOINT_INVALID",
  /** A listing that promised key order broke it. */
  ListingOrder: "DP_LISTING_ORDER",
  ItemFailed: "DP_ITEM_FAILED",
  Internal: "DP_INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Process exit codes of the CLI. */
export const ExitCodes = {
  Done: 0,
  ItemFailures: 1,
  CouldNotRun: 2,
  /** Done, no item failed, but items were left in conflict (`--on-conflict skip`): the target differs. */
  ConflictsLeft: 3,
} as const;

const BRAND = "dataplane.error";

export interface DataplaneErrorOptions {
  /** What the user should do about it, in one sentence. */
  readonly hint?: string;
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export class DataplaneError extends Error {
  readonly $$type = BRAND;
  readonly code: string;
  readonly hint?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;

  constructor(code: ErrorCode | string, message: string, options: DataplaneErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DataplaneError";
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** Shape of a dataplane error from any copy of core. */
export interface DataplaneErrorLike {
  readonly $$type: typeof BRAND;
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export function isDataplaneError(value: unknown): value is DataplaneErrorLike {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { $$type?: unknown }).$$type === BRAND &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/** Errors that mean "the run could not start" (exit code 2) rather than an item failure. */
const COULD_NOT_RUN: ReadonlySet<string> = new Set<string>([
  ErrorCodes.InvalidInput,
  ErrorCodes.InvalidResource,
  ErrorCodes.InvalidConfig,
  ErrorCodes.NoPlugin,
  ErrorCodes.AmbiguousPlugin,
  ErrorCodes.PluginNotFound,
  ErrorCodes.PluginRefused,
  ErrorCodes.PluginContract,
  ErrorCodes.CredentialMissing,
  ErrorCodes.AuthenticationFailed,
  ErrorCodes.PermissionDenied,
  ErrorCodes.CheckpointInvalid,
  ErrorCodes.Locked,
  ErrorCodes.EndpointUnusable,
]);

export function isCouldNotRun(error: unknown): boolean {
  return isDataplaneError(error) && COULD_NOT_RUN.has(error.code);
}

/** One line for a user: the message, then the fix. */
export function formatError(error: unknown): string {
  if (isDataplaneError(error)) {
    return error.hint ? `${error.message}. ${error.hint}` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
