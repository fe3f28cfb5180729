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
  readonly signal: AbortSignalLike;
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
    const journal = settings.dryRun || !settings.checkpoint ? noCheckpoint : settings.checkpoint(identity);
    const ctx: StepContext = {
      signal: settings.signal,
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
      refill: new Set(),
      refilled: 0,
    };
    settings.progress.emit({
      type: "run-started",
      plugin: info.plugin,
      source: info.sourceResourceId,
      target: info.targetResourceId,
    });
    if (journal.resumedCount > 0) {
      settings.logger.info(`resuming: ${journal.resumedCount} items already finished in the checkpoint`);
    }

    try {
      const partitions: AsyncIterable<Partition> | Iterable<Partition | undefined> = steps.partitions
        ? steps.partitions(ctx)
        : [undefined];
      let stage: number | undefined;
      for await (const partition of partitions) {
        if (settings.signal.aborted) break;
        const s = partition?.stage ?? 0;
        if (stage !== undefined && s !== stage) await state.pool.drainAll();
        stage = s;
        await this.#partition(state, partition, shard);
      }
      await state.pool.drainAll();
      if (!settings.signal.aborted && steps.finish) {
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
      await state.pool.drainAll();
      const error = settings.explainError ? settings.explainError(caught) : caught;
      if (isCouldNotRun(error)) throw error;
      const failure = errorOf(error, settings.redactor);
      settings.logger.error(`${info.plugin}: replication stopped: ${failure.message}`);
      book.warn(`replication stopped early: ${failure.message}`);
      book.outcome({ key: "(run)", kind: "run", status: "failed", error: failure });
    } finally {
      journal.close();
    }
    if (settings.signal.aborted)
      book.warn("interrupted: the run was stopped before every item was processed");

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
      if (settings.signal.aborted) break;
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
    if (!settings.signal.aborted) checkpoint.listed();
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
    const fingerprint = steps.fingerprint?.(item);
    const maxRetries = settings.governor.maxRetries;
    let counted = false;
    let attemptedAction: "create" | "update" | undefined;
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
        const info = classifyError(error);
        if (info.retryable && attempt < maxRetries && !settings.signal.aborted) {
          const delay = info.retryAfterMs ?? settings.governor.backoffMs(attempt);
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
            await abortableSleep(delay, settings.signal);
          } catch {
            // aborted while waiting: fall through to record the failure
          }
          if (!settings.signal.aborted) continue;
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
}
