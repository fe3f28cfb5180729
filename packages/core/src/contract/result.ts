import type { JsonObject } from "./item.js";

/** What happened to one item. Only what really happened is counted. */
export type ItemOutcomeStatus =
  | "created"
  | "updated"
  | "skipped-unchanged"
  | "skipped-unsupported"
  | "skipped-conflict"
  | "skipped-resumed"
  | "planned"
  | "failed"
  /** Mirror mode: removed from the target because the source no longer has it. */
  | "deleted"
  /** The run was stopped (Ctrl-C, SIGTERM, an unreachable endpoint) before this item finished. */
  | "not-finished";

export interface ItemOutcome {
  readonly key: string;
  readonly kind: string;
  readonly status: ItemOutcomeStatus;
  /** Planned action in dry-run, or what was done. */
  readonly action?: string;
  readonly reason?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly details?: JsonObject;
  readonly bytes?: number;
}

/**
 * Per item kind counts, as shown in the summary table. `skipped` is the sum of `unchanged`,
 * `conflicts`, `unsupported` and `resumed`; each is also counted on its own, so a summary can show
 * what was not copied apart from what needed no copy.
 */
export interface KindCounts {
  discovered: number;
  created: number;
  updated: number;
  skipped: number;
  /** skipped-unchanged: the target already holds the same thing. */
  unchanged: number;
  /** skipped-conflict: the target holds a different item of the same name (left as it is). */
  conflicts: number;
  /** skipped-unsupported: cannot be replicated (reason in the outcome). */
  unsupported: number;
  /** skipped-resumed: finished in a previous run (from the checkpoint). */
  resumed: number;
  /** deleted from the target (mirror mode). */
  deleted: number;
  /** not finished because the run was stopped. */
  notFinished: number;
  failed: number;
}

export interface ItemError {
  readonly key: string;
  readonly kind: string;
  readonly code: string;
  readonly message: string;
}

/** The result of one `replicate` call: one plugin, one source, one target. */
export interface ReplicationResult {
  readonly plugin: string;
  readonly sourceResourceId: string;
  readonly targetResourceId: string;
  readonly mode: ReplicationMode;
  readonly dryRun: boolean;
  readonly success: boolean;
  readonly counts: KindCounts;
  readonly byKind: Readonly<Record<string, KindCounts>>;
  /** Planned actions per kind (dry-run and real runs alike): kind → action → count. */
  readonly plan: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Failed items (capped; `counts.failed` has the true number). */
  readonly errors: readonly ItemError[];
  readonly warnings: readonly string[];
  readonly durationSeconds: number;
  readonly bytes: number;
}

export type ReplicationMode = "template" | "replication";
