import { parseShard } from "@dataplane/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listContainerEntries, listContainerEntriesRange } from "../src/discover/blobs.js";
import { type Bed, parallel, startBed } from "./helpers/bed.js";
import { replicate } from "./helpers/run.js";

// Range shards and the merge-join over Azurite: List Blobs with a delimiter, names that sort
// differently in UTF-16 and UTF-8, every blob covered exactly once by n workers.

const SRC = "rangesrc";
let bed: Bed;
const names: string[] = [];

beforeAll(async () => {
  bed = await startBed([SRC, "rangedst", "mergedst"]);
  const container = bed.blob(SRC).getContainerClient("mixed");
  await container.create();
  // hierarchical names, flat names, and first characters outside printable ASCII
  for (let i = 0; i < 240; i++) names.push(`${"abcdefghxyz019"[i % 14]}${i % 3}/day-${i % 5}/blob-${i}.txt`);
  for (let i = 0; i < 120; i++) names.push(`${"ABCmnopq~-_"[i % 11]}flat-${i}`);
  names.push(
    "日本/データ.csv",
    "日本語.txt",
    "😀/smile",
    "😀-flat",
    "\uFF5E-fullwidth-tilde",
    "émigré",
    "~tilde",
  );
  await parallel(names, 16, (name) => container.getBlockBlobClient(name).upload(name, name.length));
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe("range shards over Azurite", () => {
  it("list each blob of a container exactly once across n = 1..8 workers, each in the service's name order", async () => {
    const service = bed.blob(SRC);
    const all: string[] = [];
    for await (const e of listContainerEntries(service, "mixed", { prefix: "", tags: false }))
      all.push(e.name);
    expect(new Set(all)).toEqual(new Set(names));
    for (let n = 1; n <= 8; n++) {
      const seen = new Map<string, number>();
      for (let k = 1; k <= n; k++) {
        const part: string[] = [];
        for await (const e of listContainerEntriesRange(service, "mixed", parseShard(`range:${k}/${n}`), {
          prefix: "",
          tags: false,
        }))
          part.push(e.name);
        expect(part).toEqual([...part].sort()); // the service's order: UTF-16 code units
        for (const name of part) seen.set(name, (seen.get(name) ?? 0) + 1);
      }
      expect(seen.size, `n = ${n}`).toBe(names.length);
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
    }
  }, 120_000);

  it("four range shards replicate the container exactly once between them", async () => {
    let created = 0;
    for (let k = 1; k <= 4; k++) {
      const run = await replicate(bed, SRC, "rangedst", {
        shard: parseShard(`range:${k}/4`),
        options: { services: "blob" },
      });
      expect(run.result.errors).toEqual([]);
      created += run.result.byKind.blob?.created ?? 0;
    }
    expect(created).toBe(names.length);
    const target: string[] = [];
    for await (const e of listContainerEntries(bed.blob("rangedst"), "mixed", { prefix: "", tags: false }))
      target.push(e.name);
    expect(new Set(target)).toEqual(new Set(names));
    // a re-run of one shard finds its part unchanged
    const again = await replicate(bed, SRC, "rangedst", {
      shard: parseShard("range:2/4"),
      options: { services: "blob" },
    });
    expect(again.result.counts).toMatchObject({ created: 0, updated: 0, failed: 0 });
  }, 180_000);

  it("merge-joins names that sort differently in UTF-16 and UTF-8 (in the service's order), as the map did", async () => {
    const first = await replicate(bed, SRC, "mergedst", { options: { services: "blob" } });
    expect(first.result.errors).toEqual([]);
    expect(first.result.byKind.blob?.created).toBe(names.length);
    const mapped = await replicate(bed, SRC, "mergedst", { join: "map", options: { services: "blob" } });
    const merged = await replicate(bed, SRC, "mergedst", { options: { services: "blob" } });
    expect(merged.result.errors).toEqual([]);
    expect(merged.result.byKind.blob).toEqual(mapped.result.byKind.blob);
    expect(merged.result.byKind.blob?.unchanged).toBe(names.length);
  }, 180_000);
});
