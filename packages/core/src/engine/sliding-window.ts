/**
 * "At most `limit` events in any `windowMs`": a log of recent send times. Stricter than the
 * service's fixed or sliding window, so staying under it keeps us under theirs.
 */
export class SlidingWindow {
  readonly #times: number[] = [];
  #head = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit > 0) || !(windowMs > 0)) throw new Error(`invalid rate limit ${limit} per ${windowMs} ms`);
  }

  #prune(now: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head]! <= now - this.windowMs) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Milliseconds until one more event fits (0: now). */
  waitMs(now: number): number {
    this.#prune(now);
    const count = this.#times.length - this.#head;
    if (count < this.limit) return 0;
    const oldestThatMustExpire = this.#times[this.#times.length - this.limit]!;
    return Math.max(1, oldestThatMustExpire + this.windowMs - now);
  }

  record(now: number): void {
    this.#times.push(now);
  }

  /** Takes back one recorded event (a request the service refused does not count against it). */
  forget(time: number): void {
    for (let i = this.#times.length - 1; i >= this.#head; i--) {
      if (this.#times[i] === time) {
        this.#times.splice(i, 1);
        return;
      }
    }
  }
}
