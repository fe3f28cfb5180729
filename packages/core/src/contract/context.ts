import type { ReplicationEngine } from "./engine.js";
import type { JsonObject } from "./item.js";
import type { ReplicationMode } from "./result.js";

/**
 * The standard `AbortSignal` (global in Node): what the Azure SDK clients accept, so a plugin
 * passes `context.signal` straight to them.
 */
export type AbortSignalLike = AbortSignal;

export type Side = "source" | "target";

/** Redacting logger: every line passes through the run's redactor before it is written. */
export interface Logger {
  debug(message: string, fields?: JsonObject): void;
  info(message: string, fields?: JsonObject): void;
  warn(message: string, fields?: JsonObject): void;
  error(message: string, fields?: JsonObject): void;
}

/** The single redactor of a run: plugins register every secret they read. */
export interface Redactor {
  /** Registers a value that must never appear in any output (a secret, a key, a SAS). */
  addSecret(value: string): void;
  /** Returns the text with every registered secret and every known secret pattern masked. */
  redact(text: string): string;
}

// ---------------------------------------------------------------------------------------
// Credentials: structural, so core needs no Azure SDK; the CLI builds them.

export interface AccessTokenLike {
  readonly token: string;
  readonly expiresOnTimestamp: number;
}

/** Structurally compatible with `@azure/core-auth`'s `TokenCredential`. */
export interface TokenCredentialLike {
  getToken(
    scopes: string | string[],
    options?: { abortSignal?: AbortSignalLike; tenantId?: string },
  ): Promise<AccessTokenLike | null>;
}

export type StorageCredential =
  | { readonly type: "sharedKey"; readonly accountName: string; readonly accountKey: string }
  | { readonly type: "connectionString"; readonly connectionString: string }
  | { readonly type: "sas"; readonly sasToken: string };

/** How one side (source or target) of a run reaches its resource. */
export interface SideAccess {
  readonly side: Side;
  /** Entra ID credential (DefaultAzureCredential, a named type, or an emulator's static token). */
  readonly tokenCredential?: TokenCredentialLike;
  readonly tenantId?: string;
  /** Storage account credential, when one was configured for this resource. */
  readonly storage?: StorageCredential;
  /**
   * Local endpoints (emulators): the plugin may relax the bearer-challenge resource check
   * and trust `caCertificates`.
   */
  readonly local?: boolean;
  /** Extra PEM certificates to trust for this side's endpoints. */
  readonly caCertificates?: readonly string[];
}

// ---------------------------------------------------------------------------------------
// Progress

export type ProgressEvent =
  | {
      readonly type: "run-started";
      readonly plugin: string;
      readonly source: string;
      readonly target?: string;
    }
  | {
      readonly type: "discovered";
      readonly plugin: string;
      readonly kind: string;
      readonly key: string;
      readonly bytes?: number;
    }
  | {
      readonly type: "planned";
      readonly plugin: string;
      readonly kind: string;
      readonly key: string;
      readonly action: string;
      readonly reason?: string;
      readonly bytes?: number;
    }
  | {
      readonly type: "started";
      readonly plugin: string;
      readonly kind: string;
      readonly key: string;
      readonly action: string;
      readonly bytes?: number;
    }
  | { readonly type: "bytes"; readonly plugin: string; readonly key: string; readonly bytes: number }
  | {
      readonly type: "finished";
      readonly plugin: string;
      readonly kind: string;
      readonly key: string;
      readonly status: string;
      readonly reason?: string;
      readonly bytes?: number;
    }
  | {
      readonly type: "failed";
      readonly plugin: string;
      readonly kind: string;
      readonly key: string;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly type: "retried";
      readonly plugin?: string;
      readonly operation: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | { readonly type: "run-finished"; readonly plugin: string; readonly durationSeconds: number };

export interface ProgressSink {
  emit(event: ProgressEvent): void;
}

// ---------------------------------------------------------------------------------------
// Plugin options: declared by a plugin, surfaced by the CLI as flags.

export type OptionValue = string | boolean | number;
export type OptionValues = Readonly<Record<string, OptionValue | undefined>>;

export interface BaseContext {
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly progress: ProgressSink;
  readonly signal: AbortSignalLike;
  /** Values of the plugin's declared options (`PluginOptionSpec.name` → value). */
  readonly options: OptionValues;
  /** HTTP retry and throttling for Azure SDK clients (see `HttpGovernor`). */
  readonly http: HttpGovernor;
}

export interface DiscoverContext extends BaseContext {
  readonly access: SideAccess;
}

export interface GenerateContext extends BaseContext {
  readonly mode: ReplicationMode;
}

export type ConflictPolicy = "skip" | "overwrite" | "fail";

export interface ReplicateContext extends BaseContext {
  readonly mode: ReplicationMode;
  readonly dryRun: boolean;
  readonly onConflict: ConflictPolicy;
  readonly source: SideAccess;
  readonly target: SideAccess;
  /** The engine that turns a plugin's replication steps into a plan and applies it. */
  readonly engine: ReplicationEngine;
}

// ---------------------------------------------------------------------------------------
// HTTP: structural pipeline policy, assignable to `@azure/core-rest-pipeline`'s PipelinePolicy.

export interface HttpHeadersLike {
  get(name: string): string | undefined;
}

/** The part of an abort signal a request carries (the SDK's own `AbortSignalLike` satisfies it). */
export interface RequestAbortSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface PipelineRequestLike {
  url: string;
  method: string;
  readonly headers: HttpHeadersLike;
  abortSignal?: RequestAbortSignal;
  body?: unknown;
}

export interface PipelineResponseLike {
  readonly status: number;
  readonly headers: HttpHeadersLike;
}

/**
 * A pipeline policy. Ask for the SDK's own request and response types
 * (`context.http.policy<PipelineRequest, PipelineResponse>(…)`) and it is exactly the SDK's
 * `PipelinePolicy`, with no cast.
 */
export interface PipelinePolicyLike<
  Req extends PipelineRequestLike = PipelineRequestLike,
  Res extends PipelineResponseLike = PipelineResponseLike,
> {
  readonly name: string;
  sendRequest(request: Req, next: (request: Req) => Promise<Res>): Promise<Res>;
}

/** A limit on requests of one class within a sliding window, e.g. secret CREATE 300 / 10 s. */
export interface RateLimitSpec {
  readonly class: string;
  readonly limit: number;
  readonly windowMs: number;
}

export interface HttpPolicyOptions {
  readonly side: Side;
  /** Service limits for this endpoint; the governor stays under them. */
  readonly limits?: readonly RateLimitSpec[];
  /** Which limit classes a request counts against (several may apply). */
  readonly classify?: (request: { readonly method: string; readonly url: URL }) => readonly string[];
  /**
   * `adaptive` (default): run at full speed until the endpoint first throttles, then keep every
   * class under its limit. `limits`: keep under the limits from the first request.
   */
  readonly pacing?: "adaptive" | "limits";
}

/**
 * Retry and throttling, once for every plugin: sliding-window rate limits per endpoint and
 * class, adaptive backoff on 429/503/500 with or without `Retry-After`, on connection resets
 * and time-outs; every retry reported as a `retried` event.
 */
export interface HttpGovernor {
  /** A policy to add to an SDK client (`additionalPolicies: [{ policy, position: "perCall" }]`). */
  policy<
    Req extends PipelineRequestLike = PipelineRequestLike,
    Res extends PipelineResponseLike = PipelineResponseLike,
  >(options: HttpPolicyOptions): PipelinePolicyLike<Req, Res>;
  /** Runs an operation with the same retry rules (for calls not made through an SDK pipeline). */
  retry<T>(operation: string, fn: (attempt: number) => Promise<T>): Promise<T>;
}
