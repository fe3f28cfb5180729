import type {
  ItemError,
  ItemOutcome,
  KindCounts,
  ReplicationMode,
  ReplicationResult,
} from "../contract/result.js";

const MAX_ERRORS = 1000;

function emptyCounts(): KindCounts {
  return {
    discovered: 0,
    created: 0,
    updated: 0,
    skipped: 0,
    unchanged: 0,
    conflicts: 0,
    unsupported: 0,
    resumed: 0,
    deleted: 0,
    notFinished: 0,
    failed: 0,
  };
}

/** Counts only what really happened, per item kind. */
export class RunBook {
  readonly counts = emptyCounts();
  readonly byKind = new Map<string, KindCounts>();
  readonly plan = new Map<string, Map<string, number>>();
  readonly errors: ItemError[] = [];
  readonly warnings: string[] = [];
  bytes = 0;

  #kind(kind: string): KindCounts {
    let c = this.byKind.get(kind);
    if (!c) {
      c = emptyCounts();
      this.byKind.set(kind, c);
    }
    return c;
  }

  discovered(kind: string): void {
    this.counts.discovered++;
    this.#kind(kind).discovered++;
  }

  planned(kind: string, action: string): void {
    let actions = this.plan.get(kind);
    if (!actions) {
      actions = new Map();
      this.plan.set(kind, actions);
    }
    actions.set(action, (actions.get(action) ?? 0) + 1);
  }

  outcome(outcome: ItemOutcome): void {
    const k = this.#kind(outcome.kind);
    switch (outcome.status) {
      case "created":
        this.counts.created++;
        k.created++;
        break;
      case "updated":
        this.counts.updated++;
        k.updated++;
        break;
      case "failed":
        this.counts.failed++;
        k.failed++;
        if (this.errors.length < MAX_ERRORS && outcome.error) {
          this.errors.push({
            key: outcome.key,
            kind: outcome.kind,
            code: outcome.error.code,
            message: outcome.error.message,
          });
        }
        break;
      case "planned":
        break;
      case "deleted":
        this.counts.deleted++;
        k.deleted++;
        break;
      case "not-finished":
        this.counts.notFinished++;
        k.notFinished++;
        break;
      case "skipped-unchanged":
        this.#skip(k, "unchanged");
        break;
      case "skipped-conflict":
        this.#skip(k, "conflicts");
        break;
      case "skipped-unsupported":
        this.#skip(k, "unsupported");
        break;
      case "skipped-resumed":
        this.#skip(k, "resumed");
        break;
    }
    if (outcome.bytes) this.bytes += outcome.bytes;
  }

  #skip(k: KindCounts, reason: "unchanged" | "conflicts" | "unsupported" | "resumed"): void {
    this.counts.skipped++;
    k.skipped++;
    this.counts[reason]++;
    k[reason]++;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  result(info: {
    plugin: string;
    sourceResourceId: string;
    targetResourceId: string;
    mode: ReplicationMode;
    dryRun: boolean;
    durationSeconds: number;
  }): ReplicationResult {
    const plan: Record<string, Record<string, number>> = {};
    for (const [kind, actions] of this.plan) plan[kind] = Object.fromEntries(actions);
    return {
      ...info,
      success: this.counts.failed === 0 && this.counts.notFinished === 0,
      counts: { ...this.counts },
      byKind: Object.fromEntries([...this.byKind].map(([k, v]) => [k, { ...v }])),
      plan,
      errors: [...this.errors],
      warnings: [...this.warnings],
      bytes: this.bytes,
    };
  }
}
