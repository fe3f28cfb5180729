// Service-like throttling on request: past an account's request rate the service answers
// 503 ServerBusy ("Operations per second is over the account limit.") or, under load,
// 500 OperationTimedOut. A token bucket per account, refilled continuously.
import { StorageError } from "./errors.js";

export interface FilesThrottling {
  /** Requests per second an account may make; bursts up to this many are allowed. */
  requestsPerSecond: number;
  /** 503 ServerBusy (default) or 500 OperationTimedOut. */
  status?: 503 | 500;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class Throttle {
  private readonly settings = new Map<string, FilesThrottling>();
  private readonly buckets = new Map<string, Bucket>();
  private all: FilesThrottling | undefined;

  set(throttling: FilesThrottling | false, account?: string): void {
    if (throttling !== false && !(throttling.requestsPerSecond > 0)) {
      throw new RangeError("throttling.requestsPerSecond must be a positive number");
    }
    if (account === undefined) {
      this.all = throttling || undefined;
      this.settings.clear();
    } else if (throttling === false) this.settings.delete(account);
    else this.settings.set(account, throttling);
    this.buckets.clear();
  }

  /** Takes one request from the account's bucket; throws the service's error when empty. */
  take(account: string, now = performance.now()): void {
    const settings = this.settings.get(account) ?? this.all;
    if (!settings) return;
    const rate = settings.requestsPerSecond;
    const bucket = this.buckets.get(account) ?? { tokens: rate, updated: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    this.buckets.set(account, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    throw new StorageError(settings.status === 500 ? "OperationTimedOut" : "ServerBusy");
  }
}
