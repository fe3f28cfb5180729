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
  | "failed";

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

/** Per item kind counts, as shown in the summary table. */
export interface KindCounts {
  discovered: number;
  created: number;
  updated: number;
  skipped: number;
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
