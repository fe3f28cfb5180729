import type {
  AbortSignalLike,
  ConflictPolicy,
  DiscoverContext,
  GenerateContext,
  Logger,
  OptionValues,
  ProgressEvent,
  ProgressSink,
  Redactor,
  ReplicateContext,
  SideAccess,
} from "../contract/context.js";
import type { JsonObject } from "../contract/item.js";
import type { ItemOutcome, ReplicationMode } from "../contract/result.js";
import type { CheckpointStore, RunIdentity } from "../engine/checkpoint.js";
import { Engine } from "../engine/engine.js";
import { type GovernorSettings, RequestGovernor } from "../engine/governor.js";
import type { RunLockHandle } from "../engine/lock.js";
import type { Shard } from "../engine/shard.js";
import { filteredEngine, type ItemFilter } from "../filter/item-filter.js";
import { silentLogger } from "../logging/logger.js";
import { redactJson, SecretRedactor } from "../redaction/redactor.js";

export interface SessionOptions {
  readonly logger?: Logger;
  readonly redactor?: SecretRedactor;
  readonly progress?: ProgressSink;
  /** Hard abort: work in flight is cancelled. */
  readonly signal?: AbortSignalLike;
  /** Graceful stop: no new items; items in flight get `stopGraceMs` to finish (see `EngineSettings.stop`). */
  readonly stop?: AbortSignalLike;
  readonly stopGraceMs?: number;
  readonly governor?: Omit<GovernorSettings, "logger" | "progress">;
}

export interface ReplicateOptions {
  readonly mode?: ReplicationMode;
  readonly dryRun?: boolean;
  readonly onConflict?: ConflictPolicy;
  readonly maxInFlight?: number;
  readonly shard?: Shard;
  /** `map`: pair listings as the engine did before merge-joins (benchmarks compare the two). */
  readonly join?: "auto" | "map";
  /** Mirror mode (`--delete-extraneous`): remove from the target what the source does not have. */
  readonly deleteExtraneous?: boolean;
  readonly checkpoint?: (identity: RunIdentity) => CheckpointStore;
  /** Takes the run's lock on its target and shard (e.g. `acquireRunLock(dir, identity)`); not for dry runs. */
  readonly lock?: (identity: RunIdentity) => RunLockHandle;
  readonly options?: OptionValues;
  readonly onOutcome?: (
    run: { plugin: string; source: string; target: string },
    outcome: ItemOutcome,
  ) => void;
  /** Turns a service error into a clearer one (the CLI names the side and the missing role). */
  readonly explainError?: (error: unknown) => unknown;
  /** `--include` / `--exclude`: the engine sees only the source and target items it accepts. */
  readonly filter?: ItemFilter;
}

const noProgress: ProgressSink = { emit() {} };

/** Whatever logger a library user passes, every line goes through the session's redactor. */
function redactingLogger(logger: Logger, redactor: SecretRedactor): Logger {
  const wrap =
    (write: Logger["info"]) =>
    (message: string, fields?: JsonObject): void =>
      write.call(
        logger,
        redactor.redact(message),
        fields === undefined ? undefined : redactJson(redactor, fields),
      );
  return {
    debug: wrap(logger.debug),
    info: wrap(logger.info),
    warn: wrap(logger.warn),
    error: wrap(logger.error),
  };
}

/** Registers the secrets a side's access carries (storage keys, SAS, connection strings). */
export function registerAccessSecrets(redactor: Redactor, access: SideAccess): void {
  const storage = access.storage;
  if (!storage) return;
  if (storage.type === "sharedKey") redactor.addSecret(storage.accountKey);
  else if (storage.type === "connectionString") redactor.addSecret(storage.connectionString);
  else redactor.addSecret(storage.sasToken);
}

/** Events are flat: redacting each string field is enough, and far cheaper than a JSON round trip. */
function redactEvent(redactor: SecretRedactor, event: ProgressEvent): ProgressEvent {
  let copy: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(event)) {
    if (typeof value !== "string") continue;
    const clean = redactor.redact(value);
    if (clean !== value) {
      copy ??= { ...event };
      copy[name] = clean;
    }
  }
  return (copy ?? event) as ProgressEvent;
}

/**
 * Everything a run shares: one redactor, a redacting logger and progress sink, the HTTP
 * governor, the abort signal. Builds the contexts plugins receive. The CLI makes one per
 * command; library users make one with `createSession()`.
 */
export class Session {
  readonly redactor: SecretRedactor;
  readonly logger: Logger;
  readonly progress: ProgressSink;
  readonly signal: AbortSignalLike;
  readonly stop: AbortSignalLike | undefined;
  readonly stopGraceMs: number | undefined;
  readonly governor: RequestGovernor;

  constructor(options: SessionOptions = {}) {
    this.redactor = options.redactor ?? new SecretRedactor();
    this.logger = options.logger ? redactingLogger(options.logger, this.redactor) : silentLogger;
    const sink = options.progress ?? noProgress;
    const redactor = this.redactor;
    this.progress = {
      emit(event: ProgressEvent) {
        sink.emit(redactEvent(redactor, event));
      },
    };
    this.signal = options.signal ?? new AbortController().signal;
    this.stop = options.stop;
    this.stopGraceMs = options.stopGraceMs;
    this.governor = new RequestGovernor({
      ...(options.governor ?? {}),
      logger: this.logger,
      progress: this.progress,
    });
  }

  #base(options: OptionValues | undefined) {
    return {
      logger: this.logger,
      redactor: this.redactor,
      progress: this.progress,
      signal: this.signal,
      options: options ?? {},
      http: this.governor,
    };
  }

  discoverContext(access: SideAccess, options?: OptionValues): DiscoverContext {
    registerAccessSecrets(this.redactor, access);
    return { ...this.#base(options), access };
  }

  generateContext(mode: ReplicationMode = "replication", options?: OptionValues): GenerateContext {
    return { ...this.#base(options), mode };
  }

  replicateContext(source: SideAccess, target: SideAccess, run: ReplicateOptions = {}): ReplicateContext {
    registerAccessSecrets(this.redactor, source);
    registerAccessSecrets(this.redactor, target);
    const mode = run.mode ?? "replication";
    const dryRun = run.dryRun ?? false;
    const onConflict = run.onConflict ?? "skip";
    const engine = new Engine({
      mode,
      dryRun,
      onConflict,
      ...(run.maxInFlight !== undefined ? { maxInFlight: run.maxInFlight } : {}),
      ...(run.shard ? { shard: run.shard } : {}),
      ...(run.join ? { join: run.join } : {}),
      ...(run.deleteExtraneous ? { deleteExtraneous: true } : {}),
      ...(run.checkpoint ? { checkpoint: run.checkpoint } : {}),
      ...(run.lock ? { lock: run.lock } : {}),
      ...(this.stop ? { stop: this.stop } : {}),
      ...(this.stopGraceMs !== undefined ? { stopGraceMs: this.stopGraceMs } : {}),
      ...(run.onOutcome ? { onOutcome: run.onOutcome } : {}),
      ...(run.explainError ? { explainError: run.explainError } : {}),
      governor: this.governor,
      progress: this.progress,
      logger: this.logger,
      redactor: this.redactor,
      signal: this.signal,
      options: run.options ?? {},
    });
    return {
      ...this.#base(run.options),
      mode,
      dryRun,
      onConflict,
      source,
      target,
      engine: run.filter ? filteredEngine(engine, run.filter) : engine,
    };
  }
}

export function createSession(options: SessionOptions = {}): Session {
  return new Session(options);
}
