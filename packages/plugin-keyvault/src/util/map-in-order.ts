/**
 * Maps a stream with up to `concurrency` calls in flight and yields the results in source
 * order: discovery needs one GET per key or certificate, and these should overlap.
 */
export async function* mapInOrder<T, R>(
  source: AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncIterable<R> {
  const pending: Promise<R>[] = [];
  for await (const item of source) {
    const p = fn(item);
    // Rejections are observed when the promise is awaited in order; avoid unhandled warnings meanwhile.
    p.catch(() => undefined);
    pending.push(p);
    if (pending.length >= concurrency) yield await pending.shift()!;
  }
  while (pending.length > 0) yield await pending.shift()!;
}

export async function* filterDefined<T>(source: AsyncIterable<T | undefined>): AsyncIterable<T> {
  for await (const item of source) if (item !== undefined) yield item;
}
