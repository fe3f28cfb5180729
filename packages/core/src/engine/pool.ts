/**
 * A bounded pool of concurrent tasks. `submit` resolves once the task has a slot (so a
 * producer streaming a listing is held back when the pool is full: backpressure), and tasks
 * are tracked in groups so one partition or phase can be drained without the others.
 */
export class TaskPool {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #groups = new Map<string, Set<Promise<void>>>();
  #closed: Error | undefined;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`pool limit must be at least 1, got ${limit}`);
  }

  get running(): number {
    return this.#running;
  }

  /**
   * No task is started after this (a graceful stop, or a run that must end): `submit` throws
   * `reason`, which ends the producer's listing; tasks already running go on.
   */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const wake of this.#waiting.splice(0)) wake();
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  async submit(group: string, task: () => Promise<void>): Promise<void> {
    while (this.#running >= this.limit && !this.#closed)
      await new Promise<void>((r) => this.#waiting.push(r));
    if (this.#closed) throw this.#closed;
    this.#running++;
    let set = this.#groups.get(group);
    if (!set) {
      set = new Set();
      this.#groups.set(group, set);
    }
    const tracked = set;
    const promise: Promise<void> = task()
      .catch(() => {
        // tasks report their own failures; the pool only schedules
      })
      .finally(() => {
        this.#running--;
        tracked.delete(promise);
        this.#waiting.shift()?.();
      });
    tracked.add(promise);
  }

  /** Waits until every task of the group has finished. */
  async drain(group: string): Promise<void> {
    const set = this.#groups.get(group);
    while (set && set.size > 0) await Promise.all([...set]);
    this.#groups.delete(group);
  }

  /** Waits until every task has finished. */
  async drainAll(): Promise<void> {
    for (;;) {
      const all = [...this.#groups.values()].flatMap((s) => [...s]);
      if (all.length === 0) return;
      await Promise.all(all);
    }
  }
}
