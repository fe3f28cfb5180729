/**
 * Maps an async stream with up to `concurrency` calls of `fn` in flight, yielding results in
 * the source's order. Memory stays bounded by the window.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T>,
  concurrency: number,
  fn: (value: T) => Promise<R>,
): AsyncIterable<R> {
  const window: Promise<R>[] = [];
  try {
    for await (const value of source) {
      const p = fn(value);
      // Rejections are observed when the result is yielded; avoid unhandled-rejection noise meanwhile.
      p.catch(() => {});
      window.push(p);
      if (window.length >= concurrency) yield await window.shift()!;
    }
    while (window.length > 0) yield await window.shift()!;
  } finally {
    window.length = 0;
  }
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
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
