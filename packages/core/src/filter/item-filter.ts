import picomatch from "picomatch";
import type { ReplicationEngine, ReplicationSteps } from "../contract/engine.js";
import type { DataPlaneItem } from "../contract/item.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";

/**
 * `--include` / `--exclude`: glob patterns on item keys (`<kind>/<name>`, as `discover --verbose`
 * and reports show them: `secret/db-password`, `blob/logs/2024/01.json`, `file/share/a/b.txt`).
 *
 * - An item matching any `--exclude` is left out.
 * - With `--include` patterns, an item is in when it matches one of them, or when it may hold
 *   what one matches: the containers, shares and directories on the way, as the plugin's
 *   `itemHolders` say (judged by name, so `blob/logs/**` keeps the container `logs`, and
 *   `file/s/projects/**` the share `s` and the directories `s/projects`, `s/projects/…`).
 *   Everything else is out: `secret/app-*` alone copies only those secrets, no key, no
 *   certificate.
 * - A pattern counts only for the plugins whose item kinds it names (`forPlugin`): in a run of
 *   many resources, `secret/app-*` leaves a storage account's items out.
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
  /**
   * The same filter for one plugin: includes that name none of its kinds drop out, and its
   * `itemHolders` say which items hold which (the containers and folders on the way).
   */
  forPlugin(plugin: {
    readonly itemKinds: readonly string[];
    readonly itemHolders?: Readonly<Record<string, readonly string[]>>;
  }): ItemFilter;
  /** The patterns whose kind names none of these kinds (a typo such as `secrets/*`). */
  strayPatterns(kinds: readonly string[]): string[];
  /** The patterns, for summaries and reports. */
  readonly spec: { readonly include: readonly string[]; readonly exclude: readonly string[] };
}

type Matcher = (text: string) => boolean;

interface Include {
  /** Matches the kind segment of the pattern. */
  readonly kind: Matcher;
  readonly whole: Matcher;
  /** The literal folder part of the name pattern (`logs/2024` for `logs/2024/**`). */
  readonly base: string;
  /** Whether the pattern reaches below its base into deeper folders (`**`, or a `/` in the glob). */
  readonly descends: boolean;
}

const OPTIONS = { dot: true } as const;

function checked(pattern: string, flag: string): number {
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
  return slash;
}

function compileInclude(pattern: string): Include {
  const slash = checked(pattern, "--include");
  const name = pattern.slice(slash + 1);
  const scan = picomatch.scan(name);
  const base = scan.isGlob ? scan.base : name;
  return {
    kind: picomatch(pattern.slice(0, slash), OPTIONS),
    whole: picomatch(pattern, OPTIONS),
    base,
    descends: scan.isGlob && (scan.glob.includes("/") || scan.glob.includes("**")),
  };
}

/** Whether an item named `name` may hold what the include matches (a container or folder on the way). */
function mayHold(include: Include, name: string): boolean {
  if (include.base === name || include.base.startsWith(`${name}/`)) return true;
  return include.descends && (include.base === "" || `${name}/`.startsWith(`${include.base}/`));
}

function build(
  spec: { include: readonly string[]; exclude: readonly string[] },
  includes: readonly Include[],
  excludes: readonly Matcher[],
  all: readonly Include[],
  holders: Readonly<Record<string, readonly string[]>>,
): ItemFilter {
  const kindOf = (pattern: string) => picomatch(pattern.slice(0, pattern.indexOf("/")), OPTIONS);
  const including = spec.include.length > 0;
  return {
    spec,
    accepts(key: string): boolean {
      if (excludes.some((m) => m(key))) return false;
      if (!including) return true;
      if (includes.some((i) => i.whole(key))) return true;
      const slash = key.indexOf("/");
      if (slash < 0) return false;
      const held = Object.hasOwn(holders, key.slice(0, slash)) ? holders[key.slice(0, slash)]! : [];
      if (held.length === 0) return false;
      const name = key.slice(slash + 1);
      return includes.some((i) => held.some((h) => i.kind(h)) && mayHold(i, name));
    },
    strayPatterns(kinds) {
      return [...spec.include, ...spec.exclude].filter((p) => !kinds.some((k) => kindOf(p)(k)));
    },
    forPlugin(plugin) {
      return build(
        spec,
        all.filter((i) => plugin.itemKinds.some((k) => i.kind(k))),
        excludes,
        all,
        plugin.itemHolders ?? {},
      );
    },
  };
}

export function createItemFilter(spec: ItemFilterSpec): ItemFilter | undefined {
  const include = [...(spec.include ?? [])];
  const exclude = [...(spec.exclude ?? [])];
  if (include.length === 0 && exclude.length === 0) return undefined;
  const includes = include.map(compileInclude);
  const excludes = exclude.map((p) => {
    checked(p, "--exclude");
    return picomatch(p, OPTIONS);
  });
  return build({ include, exclude }, includes, excludes, includes, {});
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
