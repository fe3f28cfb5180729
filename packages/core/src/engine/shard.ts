import { createHash } from "node:crypto";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";

/**
 * One of n deterministic slices of the work: `--shard k/n` (1-based k). `hash` shards (the
 * default) own items by a hash of their key, after every worker listed everything; `range`
 * shards (`--shard range:k/n`) divide the listing itself where the plugin can (`ranged`
 * partitions: a container listed by prefixes), so n workers list each item once between them,
 * and fall back to the hash elsewhere.
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
  readonly by?: "hash" | "range";
}

export const WHOLE: Shard = { index: 1, count: 1 };

export function parseShard(text: string): Shard {
  const match = /^\s*(?:(hash|range)\s*:\s*)?(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[2]) : Number.NaN;
  const count = match ? Number(match[3]) : Number.NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new DataplaneError(ErrorCodes.InvalidInput, `invalid --shard ${JSON.stringify(text)}`, {
      hint: "Use --shard k/n with 1 ≤ k ≤ n, e.g. --shard 2/4 for the second of four workers (range:2/4 to divide the listing too)",
    });
  }
  return match[1] === "range" ? { index, count, by: "range" } : { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.by === "range" ? "range:" : ""}${shard.index}/${shard.count}`;
}

/**
 * The first 32 bits (big-endian) of SHA-256 over the key's UTF-8 bytes: stable across machines,
 * runs and languages, and evenly spread even for keys that differ in one character.
 */
export function stableHash(key: string): number {
  return createHash("sha256").update(key, "utf8").digest().readUInt32BE(0);
}

/** Whether this shard owns the item: together, n shards cover every key exactly once. */
export function ownsKey(shard: Shard, key: string): boolean {
  return shard.count === 1 || stableHash(key) % shard.count === shard.index - 1;
}

/** What a range-sharded listing reads: one level of a name space, or everything under a prefix. */
export interface RangeLister<E> {
  /**
   * The entries directly below `prefix` with the delimiter "/", in UTF-8 order: items, and
   * virtual directories (`{ directory }`, ending in "/").
   */
  level(
    prefix: string,
  ): AsyncIterable<{ readonly name: string; readonly item: E } | { readonly directory: string }>;
  /** Every item whose name starts with `prefix`, in UTF-8 order. */
  flat(prefix: string): AsyncIterable<E>;
}

/** Printable ASCII: the first characters a range shard lists by their own prefix. */
const FIRST = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const RESIDUAL = "(other first characters)";

function ownsUnit(shard: Shard, unit: string): boolean {
  return shard.count === 1 || stableHash(`range:${unit}`) % shard.count === shard.index - 1;
}

/** The range unit of a name: its first character if printable ASCII, else the residual unit. */
export function rangeUnitOf(name: string): string {
  const c = name.charCodeAt(0);
  return c >= 0x20 && c < 0x7f ? name[0]! : RESIDUAL;
}

/** Whether a range shard owns a name (the same rule `listRange` lists by). */
export function ownsName(shard: Shard, name: string): boolean {
  return ownsUnit(shard, rangeUnitOf(name));
}

/**
 * This range shard's part of a name space, in the lister's order. The names are divided by their
 * first character: each printable ASCII character is a unit, listed (flat, with the character as
 * prefix) by one worker only, so the names of these units are listed exactly once across the
 * workers. Names starting with any other character form one more unit; its worker finds them in
 * the root level's listing ("/" as delimiter, then each such virtual directory flat), which also
 * lists the root's other items but not what lies in their directories — cheap for hierarchical
 * names, a second listing of a flat container's root. Units are spread by a hash of the
 * character: the split is deterministic, but only as even as the names' first characters.
 */
export async function* listRange<E>(shard: Shard, lister: RangeLister<E>): AsyncIterable<E> {
  if (ownsUnit(shard, RESIDUAL)) {
    // One pass over the root level covers the residual and this worker's own characters, in order.
    for await (const entry of lister.level("")) {
      const name = "directory" in entry ? entry.directory : entry.name;
      if (!ownsName(shard, name)) continue;
      if ("directory" in entry) yield* lister.flat(entry.directory);
      else yield entry.item;
    }
    return;
  }
  for (const c of FIRST) if (ownsUnit(shard, c)) yield* lister.flat(c);
}
