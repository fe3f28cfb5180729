import type { AbortSignalLike, ConflictPolicy, Logger, OptionValues, Redactor } from "./context.js";
import type { DataPlaneItem, JsonObject } from "./item.js";
import type { ReplicationMode, ReplicationResult } from "./result.js";

/**
 * A slice of the work, listed and matched as one unit: a container, one directory of a share,
 * one item kind of a vault. When both listings of a partition come in key order (`sorted`), the
 * engine matches them by a merge-join and holds nothing per item; otherwise it indexes the
 * partition's target listing in memory, so an unsorted partition should be a natural, bounded
 * unit (a vault's secrets, one directory). Partitions of a lower `stage` are fully applied
 * before a higher stage starts; partitions of one stage share the run's concurrency.
 */
export interface Partition {
  readonly id: string;
  readonly stage?: number;
  readonly label?: string;
  /** The item kind a failure of this partition is reported under (default: its id). */
  readonly kind?: string;
}

/** What the plugin decides for one source item after comparing it with the target. */
export type PlanDecision =
  | { readonly action: "create"; readonly reason?: string; readonly details?: JsonObject }
  | { readonly action: "update"; readonly reason: string; readonly details?: JsonObject }
  | { readonly action: "skip-unchanged"; readonly reason?: string }
  | { readonly action: "skip-unsupported"; readonly reason: string }
  | { readonly action: "conflict"; readonly reason: string; readonly details?: JsonObject };

export type PlanActionName = PlanDecision["action"];

/** An action the engine asks the plugin to carry out. */
export interface PlannedAction<S extends DataPlaneItem, T> {
  readonly action: "create" | "update";
  readonly source: S;
  readonly target: T | undefined;
  readonly reason?: string;
  readonly details?: JsonObject;
  /** True when the item was a conflict and the policy is `overwrite`. */
  readonly overwrite: boolean;
}

/** What the plugin reports after acting on one item. */
export interface ApplyResult {
  /** Defaults to the planned action ("created" / "updated"). */
  readonly status?: "created" | "updated" | "skipped-unchanged" | "skipped-unsupported";
  readonly reason?: string;
  readonly details?: JsonObject;
  readonly bytes?: number;
  readonly warnings?: readonly string[];
}

/** What the plugin reports after removing one target item (mirror mode). */
export interface RemoveResult {
  /**
   * Default "deleted"; "skipped-unchanged" when there is nothing to remove (already deleted);
   * "skipped-unsupported" for items the plugin does not remove (say why).
   */
  readonly status?: "deleted" | "skipped-unchanged" | "skipped-unsupported";
  readonly reason?: string;
  readonly warnings?: readonly string[];
}

/** Passed to every step: what a plugin needs to plan and act on one item. */
export interface StepContext {
  readonly signal: AbortSignalLike;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly mode: ReplicationMode;
  readonly dryRun: boolean;
  readonly onConflict: ConflictPolicy;
  readonly options: OptionValues;
  /** Report bytes moved so far for a long copy (progress bars). */
  reportBytes(key: string, bytes: number): void;
  /** Adds a warning to the run's result (shown in the summary and the report). */
  warn(message: string): void;
  /** This run's shard (`{ index: 1, count: 1 }` without `--shard`). */
  readonly shard: { readonly index: number; readonly count: number; readonly by?: "hash" | "range" };
  /** Whether this run's shard owns an item key (a verification checks only its own items). */
  owns(key: string): boolean;
}

/** What `finish` reports: warnings, and failures that are not one item's (a failed verification). */
export interface FinishResult {
  readonly warnings?: readonly string[];
  readonly failures?: readonly {
    readonly key: string;
    readonly kind: string;
    readonly code: string;
    readonly message: string;
  }[];
}

/**
 * The service-specific steps a plugin supplies; the engine supplies planning, concurrency,
 * retries, checkpoints, sharding, conflicts, progress, dry-run and the result bookkeeping.
 */
export interface ReplicationSteps<S extends DataPlaneItem, T = S> {
  /** Slices of the work; without it, one partition holds everything. */
  partitions?(ctx: StepContext): AsyncIterable<Partition> | Iterable<Partition>;
  /** Streams the source's items (of one partition). */
  listSource(partition: Partition | undefined, ctx: StepContext): AsyncIterable<S>;
  /** Streams the target's items (of one partition), matched to source items by `targetKey`. */
  listTarget(partition: Partition | undefined, ctx: StepContext): AsyncIterable<T>;
  /**
   * Whether both listings of this partition yield keys in strictly ascending order, and which:
   * `"utf8"` (or `true`) — UTF-8 bytes, i.e. code points; `"utf16"` — UTF-16 code units,
   * JavaScript's `<` (Blob Storage on accounts without a hierarchical namespace is observed to
   * list so, as Azurite does; the two differ only for characters above U+FFFF against U+E000–
   * U+FFFF). The engine then plans by a merge-join of the two listings, in memory independent of
   * the partition's size, and its checkpoint keeps a watermark instead of one entry per item. A
   * listing that breaks the order fails the partition ("listed … after …") rather than copying
   * wrong. Default: not sorted — the target listing is indexed in memory (Key Vault; Azure
   * Files, whose listing order is not documented, one directory at a time).
   */
  sorted?(partition: Partition | undefined): boolean | "utf8" | "utf16";
  /**
   * Shard affinity: the key that decides which `--shard` owns an item (default: the item's key).
   * Items that must be handled by one worker together (a share's directories and files, a
   * queue's messages) return the same shard key, e.g. their share's or partition's name.
   * Called with source and target keys alike.
   */
  shardKey?(key: string): string;
  /**
   * Range shards (`--shard range:k/n`): whether this partition's listings already hold only this
   * shard's part (`listRange` divides a name space by prefixes), so the engine keeps everything
   * listed instead of filtering by key hash. Without it, range shards fall back to the hash.
   */
  ranged?(partition: Partition | undefined, ctx: StepContext): boolean;
  /** The key of a target item, matched against the source item's `key`. Default: `target.key`. */
  targetKey?(target: T): string;
  /**
   * Reads the target's current counterpart of one item. The engine calls it before planning an
   * item again after a failed attempt, since the listing may be stale by then (a write that
   * landed before its connection was lost). Without it, the listing's view is reused.
   */
  readTarget?(source: S, ctx: StepContext): Promise<T | undefined>;
  /** Compares one source item with its target counterpart (undefined: absent in the target). */
  plan(source: S, target: T | undefined, ctx: StepContext): PlanDecision | Promise<PlanDecision>;
  /** Carries out one create or update. Throw to fail the item; the engine retries transient errors. */
  apply(action: PlannedAction<S, T>, ctx: StepContext): Promise<ApplyResult | undefined>;
  /**
   * Items of a lower phase within a partition finish before a higher phase starts (e.g. directory
   * depth). The listing yields phases in ascending order (a breadth-first walk does): the engine
   * streams them, waiting for a phase to finish when the next begins, and holds none back. An item
   * of a lower phase after a higher one fails the partition.
   */
  phase?(item: S): number;
  /** A fingerprint of the source item's state; a resumed run only skips journal entries that match it. */
  fingerprint?(item: S): string;
  /** Bytes an action will move (progress bars). */
  size?(item: S): number | undefined;
  /**
   * Mirror mode (`--delete-extraneous`, never the default): removes one target item that the
   * source does not have — found by the merge-join, or left over in the map — within this run's
   * shard and the same listings (so the same filters). Delete, never purge: where the service
   * soft-deletes, the item stays recoverable. A dry run only plans it ("delete"). Without this
   * step the plugin does not take part in mirror mode (the run says so).
   */
  remove?(target: T, ctx: StepContext): Promise<RemoveResult | undefined>;
  /** Kind and key of a target item, for the outcome of its removal. Default: the item's own. */
  describeTarget?(target: T): { readonly kind: string; readonly key: string };
  /** Called once after all partitions are applied (verification, vault-level settings). */
  finish?(ctx: StepContext): Promise<FinishResult | undefined>;
  /** Suggested items in flight when the user gives no `--max-in-flight`. */
  readonly defaultConcurrency?: number;
}

/** Runs replication steps: plan → apply, with the run's checkpoint, shard and limits. */
export interface ReplicationEngine {
  run<S extends DataPlaneItem, T>(
    steps: ReplicationSteps<S, T>,
    info: { readonly plugin: string; readonly sourceResourceId: string; readonly targetResourceId: string },
  ): Promise<ReplicationResult>;
}
