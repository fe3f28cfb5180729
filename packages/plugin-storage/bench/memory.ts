// Memory at any size on Azurite, printed beside the previous engine in the same run (never
// asserted). `pnpm --filter @dataplane/plugin-storage bench` runs it after bench/run.ts.
//
//   1. replicate one container of BENCH_MEMORY_BLOBS (default 200,000) blobs, then the
//      no-change re-run: peak RSS and time, each run in its own process. The streaming engine
//      (merge-join) with its memory bounded as the `dataplane` command bounds it (the child
//      calls relaunchWithMemoryFlags); beside it, with Node's defaults (DATAPLANE_NODE_DEFAULTS):
//      the same streaming engine, and the previous engine (`join: "map"`: the target listing in
//      a map), as it shipped
//   2. four shards over that container: blobs listed by all workers / blobs in the container,
//      `--shard range:k/4` vs `--shard k/4` (hash: every worker lists everything)

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { type AzureResource, listRange, NODE_DEFAULTS_ENV, parseShard } from "@dataplane/core";
import { startAzurite } from "@dataplane/emulators";
import { type BlobEntry, listBlobEntries, listBlobLevel } from "../dist/discover/blob-listing.js";

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_MEMORY_BLOBS ?? 200_000);

function bench(fields: Record<string, string | number | null>): void {
  console.log(`BENCH ${JSON.stringify({ package: "@dataplane/plugin-storage", ...fields })}`);
}

async function parallel<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const accounts = ["memsrc", "memnew", "memold"].map((name) => ({
  name,
  key: randomBytes(64).toString("base64"),
}));
const keys = Object.fromEntries(accounts.map((a) => [a.name, a.key]));
const azurite = await startAzurite({ accounts });
const client = (name: string) =>
  new BlobServiceClient(azurite.blobEndpoint(name), new StorageSharedKeyCredential(name, keys[name]!));
const resource = (name: string): AzureResource => ({
  id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/bench/providers/Microsoft.Storage/storageAccounts/${name}`,
  type: "Microsoft.Storage/storageAccounts",
  name,
  properties: { primaryEndpoints: { blob: `${azurite.blobEndpoint(name)}/` } },
});

interface Measured {
  seconds: number;
  peakRssMb: number;
  created: number;
  unchanged: number;
}

function replicateChild(
  target: string,
  joinMode: "auto" | "map",
  nodeDefaults = joinMode === "map",
): Promise<Measured> {
  const child = spawn(process.execPath, ["--experimental-strip-types", join(here, "memory-child.ts")], {
    env: {
      ...process.env,
      ...(nodeDefaults ? { [NODE_DEFAULTS_ENV]: "1" } : {}),
      BENCH_SOURCE: JSON.stringify(resource("memsrc")),
      BENCH_TARGET: JSON.stringify(resource(target)),
      BENCH_KEYS: JSON.stringify(keys),
      BENCH_JOIN: joinMode,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").pop()!) as Measured)
        : reject(new Error(`memory-child exited ${code}`)),
    ),
  );
}

try {
  const container = client("memsrc").getContainerClient("big");
  await container.create();
  // hierarchical names whose first characters vary (as dates, ids and hashes do)
  const names = Array.from(
    { length: N },
    (_, i) => `${((i * 7919) % 1296).toString(36).padStart(2, "0")}/${i % 97}/blob-${i}`,
  );
  let start = performance.now();
  const empty = Buffer.alloc(0);
  let seeded = 0;
  await parallel(names, 128, async (name) => {
    await container.getBlockBlobClient(name).upload(empty, 0);
    if (++seeded % 25_000 === 0)
      console.log(`  … ${seeded} blobs seeded (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  });
  console.log(`seeded ${N} blobs in ${((performance.now() - start) / 1000).toFixed(1)} s`);

  // ------------------------------------------------------------------ 1. replicate and re-run
  // The streaming engine replicates into an empty account, then both engines re-run against
  // that same, now full, target (a no-change re-run writes nothing, so they see the same state:
  // this is where the previous engine's map of the target listing shows). The previous engine's
  // own first replication (its map is empty then, like the target) comes last, as it is slow.
  const first = await replicateChild("memnew", "auto");
  console.log(
    `streaming engine: replicate ${first.created} blobs ${first.seconds.toFixed(1)} s, peak RSS ${first.peakRssMb} MB`,
  );
  const again = await replicateChild("memnew", "auto");
  const againDefaults = await replicateChild("memnew", "auto", true);
  const againOld = await replicateChild("memnew", "map");
  console.log(
    `no-change re-run (${again.unchanged} unchanged): streaming engine ${again.seconds.toFixed(1)} s, peak RSS ${again.peakRssMb} MB | same with Node's defaults ${againDefaults.seconds.toFixed(1)} s, peak RSS ${againDefaults.peakRssMb} MB | previous engine ${againOld.seconds.toFixed(1)} s, peak RSS ${againOld.peakRssMb} MB`,
  );
  bench({
    name: `rerun-no-change-${N}-blobs-one-container`,
    ours_s: Number(again.seconds.toFixed(2)),
    baseline_s: Number(againOld.seconds.toFixed(2)),
    ratio: Number((again.seconds / againOld.seconds).toFixed(3)),
    target: "peak RSS < 200 MB (baseline: the previous engine)",
    peak_rss_mb: again.peakRssMb,
    baseline_peak_rss_mb: againOld.peakRssMb,
    node_defaults_peak_rss_mb: againDefaults.peakRssMb,
  });

  // ------------------------------------------------------------------ 2. blobs listed by four shards
  const source = client("memsrc").getContainerClient("big");
  let rangeListed = 0;
  const covered = new Set<string>();
  start = performance.now();
  for (let k = 1; k <= 4; k++) {
    for await (const entry of listRange<BlobEntry>(parseShard(`range:${k}/4`), {
      async *level(prefix) {
        for await (const e of listBlobLevel(source, { prefix, metadata: true })) {
          if ("directory" in e) yield { directory: e.directory };
          else {
            rangeListed++;
            yield { name: e.blob.name, item: e.blob };
          }
        }
      },
      async *flat(prefix) {
        for await (const e of listBlobEntries(source, { prefix, metadata: true })) {
          rangeListed++;
          yield e;
        }
      },
    }))
      covered.add(entry.name);
  }
  const rangeSeconds = (performance.now() - start) / 1000;
  if (covered.size !== N) throw new Error(`range shards covered ${covered.size} of ${N}`);
  start = performance.now();
  let hashListed = 0;
  for (let k = 1; k <= 4; k++)
    for await (const _ of listBlobEntries(source, { metadata: true })) hashListed++;
  const hashSeconds = (performance.now() - start) / 1000;
  console.log(
    `four shards over ${N} blobs: range shards list ${(rangeListed / N).toFixed(3)}× the container (${rangeSeconds.toFixed(1)} s of listing in all), hash shards ${(hashListed / N).toFixed(3)}× (${hashSeconds.toFixed(1)} s)`,
  );
  bench({
    name: `four-shards-listed-per-blob-${N}`,
    ours_s: Number(rangeSeconds.toFixed(2)),
    baseline_s: Number(hashSeconds.toFixed(2)),
    ratio: Number((rangeListed / hashListed).toFixed(3)),
    target: "listed/items 1.0 (hash shards: 4.0)",
    listed_per_item: Number((rangeListed / N).toFixed(3)),
    baseline_listed_per_item: Number((hashListed / N).toFixed(3)),
  });

  // ------------------------------------------------------------------ 3. the previous engine's first replication
  if (process.env.BENCH_MEMORY_PREVIOUS_REPLICATE !== "0") {
    const old = await replicateChild("memold", "map");
    console.log(
      `replicate ${N} blobs: streaming engine ${first.seconds.toFixed(1)} s, peak RSS ${first.peakRssMb} MB | previous engine ${old.seconds.toFixed(1)} s, peak RSS ${old.peakRssMb} MB`,
    );
    bench({
      name: `replicate-${N}-blobs-one-container`,
      ours_s: Number(first.seconds.toFixed(2)),
      baseline_s: Number(old.seconds.toFixed(2)),
      ratio: Number((first.seconds / old.seconds).toFixed(3)),
      target: "peak RSS < 200 MB (baseline: the previous engine)",
      peak_rss_mb: first.peakRssMb,
      baseline_peak_rss_mb: old.peakRssMb,
    });
  } else {
    bench({
      name: `replicate-${N}-blobs-one-container`,
      ours_s: Number(first.seconds.toFixed(2)),
      baseline_s: null,
      ratio: null,
      target: "peak RSS < 200 MB",
      peak_rss_mb: first.peakRssMb,
    });
  }
} finally {
  await azurite.stop();
}
