import type { DataPlaneItem } from "../contract/item.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";
import { compareUtf8 } from "./order.js";

/** A source item with its target counterpart, or a target item the source does not have. */
export type Joined<S, T> =
  | { readonly source: S; readonly target: T | undefined }
  | { readonly source?: undefined; readonly target: T };

export interface JoinOptions<T> {
  readonly targetKey: (target: T) => string;
  /** Also yield target items without a source counterpart (mirror mode). */
  readonly extraneous: boolean;
  /** Names the partition in errors. */
  readonly where: string;
  /** The listings' key order (default: UTF-8). */
  readonly compare?: (a: string, b: string) => number;
}

function unsorted(where: string, side: string, previous: string, key: string): DataplaneError {
  return new DataplaneError(
    ErrorCodes.ListingOrder,
    `the ${side} listing of ${where} is not in key order (${JSON.stringify(key)} listed after ${JSON.stringify(previous)}); nothing of it was planned past that point`,
    {
      hint: "The plugin declares this listing sorted but the service did not list it so: report it to the plugin's authors",
    },
  );
}

/**
 * Pairs two listings in ascending key order (UTF-8 unless told otherwise) by walking both at once: memory independent
 * of their size. Fails as soon as either breaks the order. Equal target keys: the last wins.
 */
export async function* mergeJoin<S extends DataPlaneItem, T>(
  source: AsyncIterable<S>,
  target: AsyncIterable<T>,
  options: JoinOptions<T>,
): AsyncGenerator<Joined<S, T>> {
  const { targetKey, extraneous, where } = options;
  const compare = options.compare ?? compareUtf8;
  const targets = target[Symbol.asyncIterator]();
  let next: T | undefined;
  let nextKey = "";
  let ended = false;
  let previousTarget: string | undefined;
  const advance = async (): Promise<void> => {
    const r = await targets.next();
    if (r.done) {
      ended = true;
      next = undefined;
      return;
    }
    const key = targetKey(r.value);
    if (previousTarget !== undefined && compare(key, previousTarget) < 0)
      throw unsorted(where, "target", previousTarget, key);
    previousTarget = key;
    next = r.value;
    nextKey = key;
  };
  let started = false;
  let previous: string | undefined;
  try {
    for await (const item of source) {
      if (!started) {
        started = true;
        await advance();
      }
      if (previous !== undefined && compare(item.key, previous) <= 0)
        throw unsorted(where, "source", previous, item.key);
      previous = item.key;
      while (!ended && compare(nextKey, item.key) < 0) {
        if (extraneous) yield { target: next as T };
        await advance();
      }
      let match: T | undefined;
      while (!ended && nextKey === item.key) {
        match = next;
        await advance();
      }
      yield { source: item, target: match };
    }
    if (extraneous) {
      if (!started) await advance();
      while (!ended) {
        yield { target: next as T };
        await advance();
      }
    }
  } finally {
    await targets.return?.();
  }
}

/**
 * Pairs two listings in any order: the target listing is indexed in memory first (bounded by the
 * partition), then the source streams past it; what is left in the index is extraneous.
 */
export async function* mapJoin<S extends DataPlaneItem, T>(
  source: AsyncIterable<S>,
  target: AsyncIterable<T>,
  options: JoinOptions<T>,
): AsyncGenerator<Joined<S, T>> {
  const targets = new Map<string, T>();
  for await (const t of target) targets.set(options.targetKey(t), t);
  for await (const item of source) {
    const match = targets.get(item.key);
    targets.delete(item.key);
    yield { source: item, target: match };
  }
  if (options.extraneous) for (const t of targets.values()) yield { target: t };
}
