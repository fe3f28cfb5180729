/**
 * Small concurrency helpers for plugins' own fan-outs inside one step (a discovery that needs
 * one GET per key, the blocks of one large blob). The engine schedules items; these schedule
 * the calls within one.
 */

/**
 * Maps an async stream with up to `concurrency` calls of `fn` in flight, yielding results in
 * the source's order. Memory stays bounded by the window.
 */
export async function* mapInOrder<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (value: T) => Promise<R>,
): AsyncIterable<R> {
  const window: Promise<R>[] = [];
  try {
    for await (const value of source) {
      const p = fn(value);
      // rejections are observed when the result is yielded; no unhandled-rejection noise meanwhile
      p.catch(() => {});
      window.push(p);
      if (window.length >= Math.max(1, concurrency)) yield await window.shift()!;
    }
    while (window.length > 0) yield await window.shift()!;
  } finally {
    window.length = 0;
  }
}

/** Drops `undefined` from a stream (items that vanished between a listing and their details). */
export async function* filterDefined<T>(source: AsyncIterable<T | undefined>): AsyncIterable<T> {
  for await (const item of source) if (item !== undefined) yield item;
}

/** Runs `fn` over `items` with at most `concurrency` in flight; rejects with the first failure. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await fn(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
}
