import picomatch from "picomatch";
import type { ReplicationEngine, ReplicationSteps } from "../contract/engine.js";
import type { DataPlaneItem } from "../contract/item.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";

/**
 * `--include` / `--exclude`: glob patterns on item keys (`<kind>/<name>`, as `discover --verbose`
 * and reports show them: `secret/db-password`, `blob/logs/2024/01.json`, `file/share/a/b.txt`).
 *
 * - An item matching any `--exclude` is left out.
 * - `--include` patterns restrict the kinds they name: a pattern `secret/db-*` keeps only the
 *   secrets whose names match; kinds no include names are kept whole (so `blob/logs/**` still
 *   creates the containers those blobs need). A pattern whose kind is a glob (`*\/db-*`) names
 *   every kind.
 *
 * Patterns are picomatch globs: `*` does not cross `/`, `**` does; `{a,b}`, `[0-9]`, `!(x)` work.
 * Matching is case-sensitive, as item names are.
 */
export interface ItemFilterSpec {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

export interface ItemFilter {
  /** Whether an item of this key is in the run. */
  accepts(key: string): boolean;
  /** The patterns, for summaries and reports. */
  readonly spec: Required<ItemFilterSpec>;
}

type Matcher = (text: string) => boolean;

function compile(pattern: string, flag: string): { kind: Matcher; whole: Matcher } {
  const slash = pattern.indexOf("/");
  if (pattern.trim() === "" || slash <= 0 || slash === pattern.length - 1) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `${flag} ${JSON.stringify(pattern)} is not <kind>/<name pattern>`,
      {
        hint: `e.g. ${flag} 'secret/db-*' or ${flag} 'blob/logs/**' (item keys, as discover --verbose shows them)`,
      },
    );
  }
  const options = { dot: true };
  return {
    kind: picomatch(pattern.slice(0, slash), options),
    whole: picomatch(pattern, options),
  };
}

export function createItemFilter(spec: ItemFilterSpec): ItemFilter | undefined {
  const include = [...(spec.include ?? [])];
  const exclude = [...(spec.exclude ?? [])];
  if (include.length === 0 && exclude.length === 0) return undefined;
  const includes = include.map((p) => compile(p, "--include"));
  const excludes = exclude.map((p) => compile(p, "--exclude").whole);
  return {
    spec: { include, exclude },
    accepts(key: string): boolean {
      if (excludes.some((m) => m(key))) return false;
      const slash = key.indexOf("/");
      const kind = slash < 0 ? key : key.slice(0, slash);
      const restricting = includes.filter((m) => m.kind(kind));
      return restricting.length === 0 || restricting.some((m) => m.whole(key));
    },
  };
}

/** Keeps the items a filter accepts from a stream. */
export async function* filterItems<T>(
  items: AsyncIterable<T>,
  filter: ItemFilter | undefined,
  keyOf: (item: T) => string,
): AsyncIterable<T> {
  for await (const item of items) if (!filter || filter.accepts(keyOf(item))) yield item;
}

/**
 * Wraps a plugin's replication steps so the source and the target listings pass the same filter:
 * an item left out is neither copied nor seen in the target (so it is never "extraneous").
 */
export function filterSteps<S extends DataPlaneItem, T>(
  steps: ReplicationSteps<S, T>,
  filter: ItemFilter,
): ReplicationSteps<S, T> {
  const targetKey = steps.targetKey?.bind(steps) ?? ((t: T) => (t as unknown as DataPlaneItem).key);
  // inherits every other step (and whatever a later engine version asks of steps) unchanged
  const wrapped: ReplicationSteps<S, T> = Object.create(steps);
  wrapped.listSource = (partition, ctx) =>
    filterItems(steps.listSource(partition, ctx), filter, (s) => s.key);
  wrapped.listTarget = (partition, ctx) => filterItems(steps.listTarget(partition, ctx), filter, targetKey);
  return wrapped;
}

/** An engine whose runs see only the items a filter accepts. */
export function filteredEngine(engine: ReplicationEngine, filter: ItemFilter): ReplicationEngine {
  return {
    run: (steps, info) => engine.run(filterSteps(steps, filter), info),
  };
}
