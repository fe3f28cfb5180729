import { createHash } from "node:crypto";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";

/** One of n deterministic slices of the work: `--shard k/n` (1-based k). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const WHOLE: Shard = { index: 1, count: 1 };

export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new DataplaneError(ErrorCodes.InvalidInput, `invalid --shard ${JSON.stringify(text)}`, {
      hint: "Use --shard k/n with 1 ≤ k ≤ n, e.g. --shard 2/4 for the second of four workers",
    });
  }
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
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
