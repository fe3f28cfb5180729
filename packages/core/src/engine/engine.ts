import type {
  AbortSignalLike,
  ConflictPolicy,
  Logger,
  OptionValues,
  ProgressSink,
  Redactor,
} from "../contract/context.js";
import type {
  ApplyResult,
  Partition,
  PlanDecision,
  PlannedAction,
  ReplicationEngine,
  ReplicationSteps,
  StepContext,
} from "../contract/engine.js";
import type { DataPlaneItem } from "../contract/item.js";
import type { ItemOutcome, ReplicationMode, ReplicationResult } from "../contract/result.js";
import {
  DataplaneError,
  ErrorCodes,
  formatError,
  isCouldNotRun,
  isDataplaneError,
} from "../errors/errors.js";
import { redactJson } from "../redaction/redactor.js";
import { RunBook } from "./bookkeeping.js";
import {
  type CheckpointStore,
  noCheckpoint,
  type PartitionCheckpoint,
  type RunIdentity,
} from "./checkpoint.js";
import { abortableSleep, type RequestGovernor } from "./governor.js";
import { mapJoin, mergeJoin } from "./join.js";
import type { RunLockHandle } from "./lock.js";
import { comparatorOf, type KeyOrder } from "./order.js";
import { TaskPool } from "./pool.js";
import { formatShard, ownsKey, type Shard, WHOLE } from "./shard.js";
import { classifyError } from "./transient.js";

export interface EngineSettings {
  readonly mode: ReplicationMode;
  readonly dryRun: boolean;
  readonly onConflict: ConflictPolicy;
  /** Items in flight (`--max-in-flight`); default: the plugin's suggestion, else 32. */
  readonly maxInFlight?: number;
  readonly shard?: Shard;
  /**
   * How listings are paired: `auto` (default) merge-joins partitions the plugin declares sorted
   * and indexes the others; `map` indexes every target listing and keeps one checkpoint entry
   * per item, as the engine did before merge-joins (kept to measure against).
   */
  readonly join?: "auto" | "map";
  /** Mirror mode: remove from the target what the source does not have (plugins with `remove`). */
  readonly deleteExtraneous?: boolean;
  /** Opens the checkpoint journal of one run (not called for dry runs). */
  readonly checkpoint?: (identity: RunIdentity) => CheckpointStore;
  readonly governor: RequestGovernor;
  readonly progress: ProgressSink;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** Hard abort: work in flight is cancelled, and reported `not-finished`. */
  readonly signal: AbortSignalLike;
  /**
   * Graceful stop (the first Ctrl-C or SIGTERM): no new item is started; items in flight get
   * `stopGraceMs` to finish and are journaled, then the rest are cut off as `not-finished`.
   */
  readonly stop?: AbortSignalLike;
  /** Default `DEFAULT_STOP_GRACE_MS` (25 s, inside Kubernetes' default 30-second termination grace). */
  readonly stopGraceMs?: number;
  /** Takes the run's lock on its target and shard before the first write (not called for dry runs). */
  readonly lock?: (identity: RunIdentity) => RunLockHandle;
  readonly options: OptionValues;
  /** Turns a service error into a clearer one (a 403 naming the side and the missing role). */
  readonly explainError?: (error: unknown) => unknown;
  /** Every item's outcome, as it happens (reports). */
  readonly onOutcome?: (
    run: { plugin: string; source: string; target: string },
    outcome: ItemOutcome,
  ) => void;
}

interface RunState<S extends DataPlaneItem, T> {
  readonly steps: ReplicationSteps<S, T>;
  readonly plugin: string;
  readonly source: string;
  readonly target: string;
  readonly book: RunBook;
  readonly journal: CheckpointStore;
  readonly pool: TaskPool;
  readonly ctx: StepContext;
  /** Cancels the work in flight (the stop's grace period is over, or the run halted). */
  readonly cut: AbortController;
  /** No new items are started (a graceful stop, or a halt). */
  stopping: boolean;
  /** Why the run cannot go on; thrown by `run()` once the items in flight are settled. */
  halted: unknown;
  /** Items the checkpoint called done that the target did not hold, while they are planned again. */
  readonly refill: Set<string>;
  refilled: number;
}

/** Outcomes that finish an item: the journal remembers these (not planned, resumed, stopped or failed). */
const FINISHED: ReadonlySet<string> = new Set([
  "created",
  "updated",
  "skipped-unchanged",
  "skipped-unsupported",
  "skipped-conflict",
  "deleted",
]);

/** A partition view over a store that has none: every item on its own, no watermark. */
function storeCheckpoint(store: CheckpointStore): PartitionCheckpoint {
  return {
    isDone: (key, fingerprint) => store.isDone(key, fingerprint),
    started() {},
    settled() {},
    listed() {},
  };
}

/** How long items in flight may take to finish after a graceful stop (Ctrl-C, SIGTERM). */
export const DEFAULT_STOP_GRACE_MS = 25_000;

function errorOf(error: unknown, redactor: Redactor): { code: string; message: string } {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const serviceCode = (error as { code?: unknown } | null)?.code;
  const code = isDataplaneError(error)
    ? error.code
    : typeof serviceCode === "string" && serviceCode.length > 0
      ? serviceCode
      : typeof status === "number"
        ? `HTTP_${status}`
        : ErrorCodes.ItemFailed;
  return { code, message: redactor.redact(formatError(error)) };
}

/**
 * Plan → apply. Streams the source, compares each item with the target's listing, decides
 * create / update / skip / conflict, and applies with bounded concurrency, transient-error
 * retries (a retry plans again first, so a write that landed is not repeated), a checkpoint
 * journal, shards and progress events. Counts only what really happened.
 */
export class Engine implements ReplicationEngine {
  constructor(readonly settings: EngineSettings) {}

  async run<S extends DataPlaneItem, T>(
    steps: ReplicationSteps<S, T>,
    info: { readonly plugin: string; readonly sourceResourceId: string; readonly targetResourceId: string },
  ): Promise<ReplicationResult> {
    const { settings } = this;
    const started = performance.now();
    const book = new RunBook();
    const shard = settings.shard ?? WHOLE;
    const identity: RunIdentity = {
      plugin: info.plugin,
      source: info.sourceResourceId,
      target: info.targetResourceId,
      mode: settings.mode,
      shard: formatShard(shard),
    };
    // The run's lock on its target (and shard) is taken before anything is listed or written.
    const lock = settings.dryRun || !settings.lock ? undefined : settings.lock(identity);
    let journal: CheckpointStore;
    try {
      journal = settings.dryRun || !settings.checkpoint ? noCheckpoint : settings.checkpoint(identity);
    } catch (error) {
      lock?.release();
      throw error;
    }
    // Cancels the work in flight: the grace period after a stop is over, or the run must end.
    const cut = new AbortController();
    const signal = AbortSignal.any([settings.signal, cut.signal]);
    const ctx: StepContext = {
      signal,
      logger: settings.logger,
      redactor: settings.redactor,
      mode: settings.mode,
      dryRun: settings.dryRun,
      onConflict: settings.onConflict,
      options: settings.options,
      reportBytes: (key, bytes) => settings.progress.emit({ type: "bytes", plugin: info.plugin, key, bytes }),
      warn: (message) => book.warn(settings.redactor.redact(message)),
      shard,
      owns: (key) => ownsKey(shard, steps.shardKey?.(key) ?? key),
    };
    const state: RunState<S, T> = {
      steps,
      plugin: info.plugin,
      source: info.sourceResourceId,
      target: info.targetResourceId,
      book,
      journal,
      pool: new TaskPool(settings.maxInFlight ?? steps.defaultConcurrency ?? 32),
      ctx,
      cut,
      stopping: false,
      halted: undefined,
      refill: new Set(),
      refilled: 0,
    };
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const onStop = () => {
      if (state.stopping) return;
      this.#closePool(state);
      const grace = settings.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
      settings.logger.info(
        `${state.pool.running} items in flight get up to ${Math.round(grace / 1000)} s to finish`,
      );
      graceTimer = setTimeout(() => cut.abort(), grace);
      graceTimer.unref?.();
    };
    const onAbort = () => {
      this.#closePool(state);
      cut.abort();
    };
    settings.stop?.addEventListener("abort", onStop, { once: true });
    settings.signal.addEventListener("abort", onAbort, { once: true });
    if (settings.stop?.aborted) onStop();
    if (settings.signal.aborted) onAbort();

    settings.progress.emit({
      type: "run-started",
      plugin: info.plugin,
      source: info.sourceResourceId,
      target: info.targetResourceId,
    });
    if (lock?.tookOver) settings.logger.warn(lock.tookOver);
    if (journal.resumedCount > 0) {
      settings.logger.info(`resuming: ${journal.resumedCount} items already finished in the checkpoint`);
    }

    const explain = (error: unknown): unknown =>
      settings.explainError ? settings.explainError(error) : error;
    try {
      const partitions: AsyncIterable<Partition> | Iterable<Partition | undefined> = steps.partitions
        ? steps.partitions(ctx)
        : [undefined];
      let stage: number | undefined;
      let attempted = 0;
      const refused: unknown[] = [];
      for await (const partition of partitions) {
        if (state.stopping) break;
        const s = partition?.stage ?? 0;
        if (stage !== undefined && s !== stage) await state.pool.drainAll();
        stage = s;
        attempted++;
        // A failure that belongs to one partition (its listing refused, not found, a server
        // error that never healed) fails that partition only; the run goes on with the others.
        try {
          await this.#partition(state, partition, shard);
        } catch (caught) {
          if (state.stopping) break;
          const error = explain(caught);
          if (stopsRun(error)) throw error;
          if (isCouldNotRun(error)) refused.push(error);
          this.#partitionFailed(state, partition, error);
        }
      }
      await state.pool.drainAll();
      // Every partition refused for lack of access: the run as a whole was impossible.
      if (attempted > 0 && refused.length === attempted && !state.stopping) throw refused[0];
      if (!state.stopping && steps.finish) {
        const finished = await steps.finish(ctx);
        for (const w of finished?.warnings ?? []) book.warn(settings.redactor.redact(w));
        for (const f of finished?.failures ?? []) {
          this.#record(state, {
            key: f.key,
            kind: f.kind,
            status: "failed",
            error: { code: f.code, message: settings.redactor.redact(f.message) },
          });
        }
      }
    } catch (caught) {
      if (!state.halted) {
        const error = explain(caught);
        if (isCouldNotRun(error) || isUnreachable(error)) this.#halt(state, error);
      }
      await state.pool.drainAll();
      // after a graceful stop, what breaks (a listing cut off) is a consequence, not a failure
      if (!state.halted && !state.stopping) {
        const failure = errorOf(explain(caught), settings.redactor);
        settings.logger.error(`${info.plugin}: replication stopped: ${failure.message}`);
        book.warn(`replication stopped early: ${failure.message}`);
        book.outcome({ key: "(run)", kind: "run", status: "failed", error: failure });
      }
    } finally {
      if (graceTimer) clearTimeout(graceTimer);
      settings.stop?.removeEventListener("abort", onStop);
      settings.signal.removeEventListener("abort", onAbort);
      journal.close();
      lock?.release();
    }
    // One line for the whole run (a dead endpoint, a refused write), not one per item.
    if (state.halted) throw state.halted;
    if (state.stopping)
      book.warn(
        "interrupted: the run was stopped before every item was processed; run the same command with --resume",
      );

    if (state.refilled > 0)
      book.warn(
        `${state.refilled} items the checkpoint called finished were missing from the target and were copied again`,
      );
    const durationSeconds = (performance.now() - started) / 1000;
    settings.progress.emit({ type: "run-finished", plugin: info.plugin, durationSeconds });
    return book.result({
      plugin: info.plugin,
      sourceResourceId: info.sourceResourceId,
      targetResourceId: info.targetResourceId,
      mode: settings.mode,
      dryRun: settings.dryRun,
      durationSeconds,
    });
  }

  /** No item is started any more; those in flight go on (until `cut`). */
  #closePool<S extends DataPlaneItem, T>(state: RunState<S, T>): void {
    state.stopping = true;
    state.pool.close(new DataplaneError(ErrorCodes.Aborted, "the run is stopping: no new items"));
  }

  /** The run cannot go on (an endpoint is unreachable, writes are refused): stop at once. */
  #halt<S extends DataPlaneItem, T>(state: RunState<S, T>, error: unknown): void {
    state.halted ??= error;
    this.#closePool(state);
    state.cut.abort();
  }

  /** A partition whose listing failed: reported once, as one failure naming the partition. */
  #partitionFailed<S extends DataPlaneItem, T>(
    state: RunState<S, T>,
    partition: Partition | undefined,
    error: unknown,
  ): void {
    const { settings } = this;
    const label = partition?.label ?? partition?.id ?? "items";
    const failure = errorOf(error, settings.redactor);
    settings.logger.error(`${state.plugin}: ${label} not replicated: ${failure.message}`);
    this.#record(state, {
      key: `(${label})`,
      kind: partition?.kind ?? partition?.id ?? "run",
      status: "failed",
      error: {
        code: failure.code,
        message: `${label} could not be listed; the items not yet listed were not attempted (run the same command with --resume to finish them): ${failure.message}`,
      },
    });
  }

  /**
   * One partition: its listings are paired (a merge-join when the plugin declares them sorted,
   * else the target listing indexed in memory), each source item of this shard is checked
   * against the checkpoint (an item the journal calls done but the target does not hold is
   * planned again) and submitted to the pool, phase by phase without holding any back.
   * Returns once everything is submitted; the pool finishes the rest.
   */
  async #partition<S extends DataPlaneItem, T>(
    state: RunState<S, T>,
    partition: Partition | undefined,
    shard: Shard,
  ): Promise<void> {
    const { steps, ctx, book, journal, pool } = state;
    const { settings } = this;
    const targetKey = steps.targetKey ?? ((t: T) => (t as unknown as DataPlaneItem).key);
    const legacy = settings.join === "map";
    const declared = legacy ? false : (steps.sorted?.(partition) ?? false);
    const order: KeyOrder | undefined =
      declared === true ? "utf8" : declared === false ? undefined : declared;
    const id = partition?.id ?? "";
    const mirror = settings.deleteExtraneous === true && steps.remove !== undefined;
    if (settings.deleteExtraneous && !steps.remove)
      book.warn(`${state.plugin} cannot remove target items: --delete-extraneous deleted nothing`);
    const options = {
      targetKey,
      extraneous: mirror,
      where: partition?.label ?? (id || "the run"),
      ...(order ? { compare: comparatorOf(order) } : {}),
    };
    const source = steps.listSource(partition, ctx);
    const target = steps.listTarget(partition, ctx);
    const pairs = order ? mergeJoin(source, target, options) : mapJoin(source, target, options);
    const checkpoint = journal.partition?.(id, order) ?? storeCheckpoint(journal);
    const ranged = shard.by === "range" && shard.count > 1 && (steps.ranged?.(partition, ctx) ?? false);
    const owns = ranged ? () => true : (key: string) => ownsKey(shard, steps.shardKey?.(key) ?? key);
    const group = `p:${id}`;
    let phase: number | undefined;
    for await (const pair of pairs) {
      if (state.stopping) break;
      const item = pair.source;
      if (item === undefined) {
        const extraneous = pair.target as T;
        const key = targetKey(extraneous);
        if (!owns(key)) continue;
        checkpoint.started(key);
        await pool.submit(group, async () => {
          try {
            await this.#remove(state, extraneous, key);
          } finally {
            checkpoint.settled(key);
          }
        });
        continue;
      }
      if (!owns(item.key)) continue;
      book.discovered(item.kind);
      settings.progress.emit({
        type: "discovered",
        plugin: state.plugin,
        kind: item.kind,
        key: item.key,
        ...(item.sizeBytes !== undefined ? { bytes: item.sizeBytes } : {}),
      });
      const fingerprint = steps.fingerprint?.(item);
      if (checkpoint.isDone(item.key, fingerprint)) {
        if (pair.target !== undefined || legacy) {
          this.#record(state, {
            key: item.key,
            kind: item.kind,
            status: "skipped-resumed",
            reason: "finished in a previous run",
          });
          continue;
        }
        // The journal says done, the target does not hold it: the target is the truth.
        state.refill.add(item.key);
      }
      const p = steps.phase?.(item) ?? 0;
      if (phase !== undefined && p !== phase) {
        if (p < phase) {
          throw new DataplaneError(
            ErrorCodes.PluginInvalid,
            `${state.plugin} listed ${item.key} (phase ${p}) after items of phase ${phase} in ${options.where}`,
            { hint: "A plugin's listing yields phases in ascending order (e.g. a breadth-first walk)" },
          );
        }
        await pool.drain(group);
      }
      phase = p;
      const matched = pair.target;
      checkpoint.started(item.key);
      await pool.submit(group, async () => {
        try {
          await this.#item(state, item, matched);
        } finally {
          checkpoint.settled(item.key);
        }
      });
    }
    if (!state.stopping) checkpoint.listed();
  }

  #record<S extends DataPlaneItem, T>(
    state: RunState<S, T>,
    outcome: ItemOutcome,
    fingerprint?: string,
  ): void {
    state.book.outcome(outcome);
    if (state.refill.delete(outcome.key) && (outcome.status === "created" || outcome.status === "updated"))
      state.refilled++;
    const { progress } = this.settings;
    if (outcome.status === "failed") {
      progress.emit({
        type: "failed",
        plugin: state.plugin,
        kind: outcome.kind,
        key: outcome.key,
        code: outcome.error?.code ?? ErrorCodes.ItemFailed,
        message: outcome.error?.message ?? "failed",
      });
    } else {
      progress.emit({
        type: "finished",
        plugin: state.plugin,
        kind: outcome.kind,
        key: outcome.key,
        status: outcome.status,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
        ...(outcome.bytes !== undefined ? { bytes: outcome.bytes } : {}),
      });
      if (FINISHED.has(outcome.status)) {
        state.journal.record({
          key: outcome.key,
          status: outcome.status,
          ...(fingerprint !== undefined ? { fingerprint } : {}),
        });
      }
    }
    this.settings.onOutcome?.({ plugin: state.plugin, source: state.source, target: state.target }, outcome);
  }

  /** Mirror mode: removes one target item the source does not have (a dry run plans it). */
  async #remove<S extends DataPlaneItem, T>(state: RunState<S, T>, target: T, key: string): Promise<void> {
    const { steps, ctx, book } = state;
    const { settings } = this;
    const kind = steps.describeTarget?.(target).kind ?? (target as unknown as DataPlaneItem).kind ?? "item";
    const base = { key, kind, action: "delete" };
    book.planned(kind, "delete");
    settings.progress.emit({ type: "planned", plugin: state.plugin, kind, key, action: "delete" });
    if (settings.dryRun) {
      this.#record(state, { ...base, status: "planned", reason: "not in the source" });
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const removed = await steps.remove!(target, ctx);
        for (const w of removed?.warnings ?? []) book.warn(settings.redactor.redact(w));
        const status = removed?.status ?? "deleted";
        const reason = removed?.reason ?? "not in the source";
        this.#record(state, { ...base, status, reason: settings.redactor.redact(reason) });
        return;
      } catch (error) {
        const info = classifyError(error);
        if (info.retryable && attempt < settings.governor.maxRetries && !settings.signal.aborted) {
          try {
            await abortableSleep(info.retryAfterMs ?? settings.governor.backoffMs(attempt), settings.signal);
          } catch {
            // aborted while waiting: record the failure
          }
          if (!settings.signal.aborted) continue;
        }
        this.#record(state, { key, kind, status: "failed", error: errorOf(error, settings.redactor) });
        return;
      }
    }
  }

  /** Plans and applies one item; a transient failure plans again before the next attempt. */
  async #item<S extends DataPlaneItem, T>(
    state: RunState<S, T>,
    item: S,
    target: T | undefined,
  ): Promise<void> {
    const { steps, ctx, book } = state;
    const { settings } = this;
    const { governor } = settings;
    const fingerprint = steps.fingerprint?.(item);
    let counted = false;
    let attemptedAction: "create" | "update" | undefined;
    const notFinished = (reason: string) =>
      this.#record(state, { key: item.key, kind: item.kind, status: "not-finished", reason });
    for (let attempt = 0; ; attempt++) {
      let stage = "plan";
      try {
        if (attempt > 0 && steps.readTarget) target = await steps.readTarget(item, ctx);
        const decision: PlanDecision = await steps.plan(item, target, ctx);
        if (!counted) {
          book.planned(item.kind, decision.action);
          counted = true;
          settings.progress.emit({
            type: "planned",
            plugin: state.plugin,
            kind: item.kind,
            key: item.key,
            action: decision.action,
            ...(decision.action !== "create" && decision.reason ? { reason: decision.reason } : {}),
            ...(item.sizeBytes !== undefined ? { bytes: item.sizeBytes } : {}),
          });
        }
        const base = { key: item.key, kind: item.kind };
        let action: PlannedAction<S, T>;
        switch (decision.action) {
          case "skip-unchanged":
            if (attemptedAction) {
              // an earlier attempt's write landed although its answer was lost: count it as done
              this.#record(
                state,
                {
                  ...base,
                  status: attemptedAction === "create" ? "created" : "updated",
                  action: attemptedAction,
                  reason: "the write landed; its answer was lost and the target confirms it",
                },
                fingerprint,
              );
              return;
            }
            this.#record(
              state,
              {
                ...base,
                status: "skipped-unchanged",
                ...(decision.reason ? { reason: decision.reason } : {}),
              },
              fingerprint,
            );
            return;
          case "skip-unsupported":
            this.#record(
              state,
              { ...base, status: "skipped-unsupported", reason: decision.reason },
              fingerprint,
            );
            return;
          case "conflict":
            if (settings.onConflict === "skip") {
              this.#record(
                state,
                { ...base, status: "skipped-conflict", action: "conflict", reason: decision.reason },
                fingerprint,
              );
              return;
            }
            if (settings.onConflict === "fail") {
              this.#record(state, {
                ...base,
                status: "failed",
                action: "conflict",
                error: {
                  code: ErrorCodes.Conflict,
                  message: `conflict: ${decision.reason} (--on-conflict fail)`,
                },
              });
              return;
            }
            action = {
              action: "update",
              source: item,
              target,
              reason: decision.reason,
              overwrite: true,
              ...(decision.details ? { details: decision.details } : {}),
            };
            break;
          default:
            action = {
              action: decision.action,
              source: item,
              target,
              overwrite: false,
              ...(decision.reason ? { reason: decision.reason } : {}),
              ...(decision.details ? { details: decision.details } : {}),
            };
        }
        if (settings.dryRun) {
          this.#record(state, {
            ...base,
            status: "planned",
            action: action.action,
            ...(action.reason ? { reason: action.reason } : {}),
          });
          return;
        }
        stage = "apply";
        attemptedAction = action.action;
        settings.progress.emit({
          type: "started",
          plugin: state.plugin,
          kind: item.kind,
          key: item.key,
          action: action.action,
          ...(item.sizeBytes !== undefined ? { bytes: item.sizeBytes } : {}),
        });
        const applied: ApplyResult | undefined = await steps.apply(action, ctx);
        for (const w of applied?.warnings ?? []) book.warn(settings.redactor.redact(w));
        const status = applied?.status ?? (action.action === "create" ? "created" : "updated");
        const reason = applied?.reason ?? action.reason;
        this.#record(
          state,
          {
            ...base,
            status,
            action: action.action,
            ...(reason ? { reason: settings.redactor.redact(reason) } : {}),
            ...(applied?.details ? { details: redactJson(settings.redactor, applied.details) } : {}),
            ...(applied?.bytes !== undefined
              ? { bytes: applied.bytes }
              : item.sizeBytes !== undefined && status !== "skipped-unchanged"
                ? { bytes: item.sizeBytes }
                : {}),
          },
          fingerprint,
        );
        return;
      } catch (error) {
        // The run is ending (a stop's grace period is over, or it halted): this item was cut off.
        if (state.cut.signal.aborted || settings.signal.aborted) {
          notFinished(
            state.halted ? "the run stopped before this item finished" : "interrupted before it finished",
          );
          return;
        }
        if (isUnreachable(error)) {
          this.#halt(state, error);
          notFinished("the endpoint became unreachable before this item finished");
          return;
        }
        const refusal = this.#refusal(error, stage);
        if (refusal !== undefined) {
          this.#halt(state, refusal);
          notFinished("the run stopped: access refused");
          return;
        }
        const info = classifyError(error);
        // Connection errors go on while the endpoint answers nothing at all: the governor
        // declares it unreachable after its bound, and the run stops then.
        const more =
          attempt < governor.retryBudget(info) || (info.connection === true && governor.stillFailing(error));
        if (info.retryable && more && !governor.exhausted(error)) {
          const delay = info.retryAfterMs ?? governor.backoffMs(attempt);
          settings.progress.emit({
            type: "retried",
            plugin: state.plugin,
            operation: `${stage} ${item.key}`,
            attempt: attempt + 1,
            delayMs: delay,
            reason: info.reason,
          });
          settings.logger.debug(
            `retry ${attempt + 1} of ${stage} ${item.key} in ${delay} ms: ${info.reason}`,
          );
          try {
            await abortableSleep(delay, ctx.signal);
          } catch {
            // cut off while waiting
          }
          if (!ctx.signal.aborted) continue;
          notFinished(
            state.halted ? "the run stopped before this item finished" : "interrupted before it finished",
          );
          return;
        }
        this.#record(state, {
          key: item.key,
          kind: item.kind,
          status: "failed",
          error: errorOf(error, settings.redactor),
        });
        return;
      }
    }
  }

  /**
   * A write the target refused for lack of a role (403), or a credential refused anywhere (401):
   * no other item can succeed either, so the run stops with the one-line role message.
   */
  #refusal(error: unknown, stage: string): unknown {
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    if (status !== 401 && status !== 403) return undefined;
    // the target could not read a copy's source: that item's source URL, not the target's role
    if ((error as { code?: unknown }).code === "CannotVerifyCopySource") return undefined;
    const side = this.settings.governor.sideOfAuthFailure((error as { request?: unknown }).request);
    if (status === 403 && (stage !== "apply" || side === "source")) return undefined;
    const explained = this.settings.explainError ? this.settings.explainError(error) : error;
    if (isCouldNotRun(explained)) return explained;
    return new DataplaneError(
      status === 401 ? ErrorCodes.AuthenticationFailed : ErrorCodes.PermissionDenied,
      `the ${side ?? "target"} refused a write (${status}): ${formatError(error)}`,
      { hint: "Grant the role the plugin needs on that side (see: dataplane permissions)", cause: error },
    );
  }
}

/** Errors that end the whole run rather than one partition: the run cannot go on at all. */
function stopsRun(error: unknown): boolean {
  if (isUnreachable(error)) return true;
  if (!isCouldNotRun(error)) return false;
  return (error as { code: string }).code !== ErrorCodes.PermissionDenied;
}

function isUnreachable(error: unknown): boolean {
  return isDataplaneError(error) && error.code === ErrorCodes.Unreachable;
}
