// Per-account counters, so tests can assert how much work a client really did.

export interface FilesAccountStats {
  /** Every authenticated request that reached an operation. */
  requests: number;
  /** Requests that change state (create, write, set, delete, copy). */
  writes: number;
  /** Requests answered with an error status (throttled ones included). */
  errors: number;
  /** Requests refused by the emulated throttling (503 ServerBusy or 500 OperationTimedOut). */
  throttled: number;
  /** Bytes received in request bodies. */
  bytesIn: number;
  /** Bytes sent in response bodies. */
  bytesOut: number;
  /** Requests per REST operation (`File_UploadRange`, `Directory_ListFilesAndDirectoriesSegment`, …). */
  operations: Record<string, number>;
}

export function emptyStats(): FilesAccountStats {
  return { requests: 0, writes: 0, errors: 0, throttled: 0, bytesIn: 0, bytesOut: 0, operations: {} };
}

export class StatsRecorder {
  private readonly byAccount = new Map<string, FilesAccountStats>();

  of(account: string): FilesAccountStats {
    let stats = this.byAccount.get(account);
    if (!stats) {
      stats = emptyStats();
      this.byAccount.set(account, stats);
    }
    return stats;
  }

  snapshot(account: string): FilesAccountStats {
    const stats = this.of(account);
    return { ...stats, operations: { ...stats.operations } };
  }

  reset(account?: string): void {
    if (account === undefined) this.byAccount.clear();
    else this.byAccount.delete(account);
  }
}
