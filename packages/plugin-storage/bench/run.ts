// Benchmark of @dataplane/plugin-storage on Azurite, against raw-SDK baselines measured in the
// same run. Printed, never asserted. `pnpm --filter @dataplane/plugin-storage bench`
// (build first: it runs the plugin from dist/).
//
//   1. replicate 10,000 small blobs   vs  a raw loop of syncCopyFromURL at our concurrency
//   2. the no-change re-run           vs  listing both sides
//   3. peak RSS of discovering 100,000 blobs (in a child process)

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AccountSASPermissions,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { type AzureResource, Session } from "@dataplane/core";
import { startAzurite } from "@dataplane/emulators";
import { storagePlugin } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const SMALL = Number(process.env.BENCH_BLOBS ?? 10_000);
const DISCOVER = Number(process.env.BENCH_DISCOVER_BLOBS ?? 100_000);
const CONCURRENCY = 32; // the plugin's default items in flight (and the governor's per endpoint)

function bench(fields: Record<string, string | number>): void {
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

const seconds = (start: number) => (performance.now() - start) / 1000;
const cpuSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return `CPU here ${((used.user + used.system) / 1e6).toFixed(1)} s`;
};
const round = (n: number, digits = 3) => Number(n.toFixed(digits));

const accounts = [
  "benchsrc",
  "benchwarm",
  "benchraw1",
  "benchraw2",
  "benchours1",
  "benchours2",
  "benchbig",
].map((name) => ({
  name,
  key: randomBytes(64).toString("base64"),
}));
const key = (name: string) => accounts.find((a) => a.name === name)!.key;
const azurite = await startAzurite({ accounts });
const client = (name: string) =>
  new BlobServiceClient(azurite.blobEndpoint(name), new StorageSharedKeyCredential(name, key(name)));
const resource = (name: string): AzureResource => ({
  id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/bench/providers/Microsoft.Storage/storageAccounts/${name}`,
  type: "Microsoft.Storage/storageAccounts",
  name,
  properties: { primaryEndpoints: { blob: `${azurite.blobEndpoint(name)}/` } },
});
const access = (name: string, side: "source" | "target") => ({
  side,
  storage: { type: "sharedKey" as const, accountName: name, accountKey: key(name) },
});

try {
  // ------------------------------------------------------------------ seed 10,000 small blobs
  const source = client("benchsrc");
  const containers = ["bench-a", "bench-b", "bench-c", "bench-d"];
  for (const c of containers) await source.getContainerClient(c).create();
  const names = Array.from({ length: SMALL }, (_, i) => ({
    container: containers[i % containers.length]!,
    name: `dir ${i % 50}/blob-${i}.bin`,
  }));
  let start = performance.now();
  const body = randomBytes(1024);
  await parallel(names, 64, (b) =>
    source
      .getContainerClient(b.container)
      .getBlockBlobClient(b.name)
      .upload(body, body.length, { metadata: { i: "1" } }),
  );
  console.log(`seeded ${SMALL} blobs of 1 KiB in ${seconds(start).toFixed(1)} s`);

  // ------------------------------------------------------------------ 1. raw SDK loop vs ours
  const sas = generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: AccountSASPermissions.parse("r"),
      services: "b",
      resourceTypes: "o",
    },
    new StorageSharedKeyCredential("benchsrc", key("benchsrc")),
  ).toString();
  const sourceBase = azurite.blobEndpoint("benchsrc");
  const rawLoop = async (account: string, blobs: typeof names) => {
    const raw = client(account);
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (const c of containers) await raw.getContainerClient(c).create();
    const rawContainers = new Map(containers.map((c) => [c, raw.getContainerClient(c)]));
    await parallel(blobs, CONCURRENCY, (b) =>
      rawContainers
        .get(b.container)!
        .getBlockBlobClient(b.name)
        .syncCopyFromURL(
          `${sourceBase}/${b.container}/${b.name.split("/").map(encodeURIComponent).join("/")}?${sas}`,
        ),
    );
    return { seconds: seconds(t), cpu: cpuSince(cpu) };
  };
  const session = new Session();
  const ours = async (target: string) => {
    const context = session.replicateContext(access("benchsrc", "source"), access(target, "target"), {
      options: { services: "blob" },
    });
    const cpu = process.cpuUsage();
    const t = performance.now();
    const result = await storagePlugin.replicate(resource("benchsrc"), resource(target), context);
    return { result, seconds: seconds(t), cpu: cpuSince(cpu) };
  };
  // Azurite is much slower until its JIT has warmed up, and slows down as its in-memory store
  // grows: warm it, then run raw, ours, ours, raw (ABBA) so that a steady drift cancels out.
  await rawLoop("benchwarm", names.slice(0, 3000));
  const raws: number[] = [];
  const oursRuns: number[] = [];
  for (const [kind, round] of [
    ["raw", 1],
    ["ours", 1],
    ["ours", 2],
    ["raw", 2],
  ] as const) {
    if (kind === "raw") {
      const r = await rawLoop(`benchraw${round}`, names);
      raws.push(r.seconds);
      console.log(
        `raw syncCopyFromURL loop (concurrency ${CONCURRENCY}), run ${round}: ${r.seconds.toFixed(2)} s, ${r.cpu}`,
      );
      continue;
    }
    const o = await ours(`benchours${round}`);
    if (o.result.counts.created !== SMALL + containers.length || o.result.counts.failed !== 0) {
      throw new Error(`unexpected result: ${JSON.stringify(o.result.counts)}`);
    }
    oursRuns.push(o.seconds);
    console.log(
      `dataplane replicate, run ${round}: ${o.seconds.toFixed(2)} s (${Math.round(SMALL / o.seconds)} blobs/s, listings included), ${o.cpu}`,
    );
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rawSeconds = mean(raws);
  const oursSeconds = mean(oursRuns);
  bench({
    name: "replicate-10k-small-blobs",
    ours_s: round(oursSeconds),
    baseline_s: round(rawSeconds),
    ratio: round(oursSeconds / rawSeconds),
    target: "<= 1.15",
  });

  // ------------------------------------------------------------------ 2. no-change re-run vs listing both sides
  start = performance.now();
  let listed = 0;
  await Promise.all(
    [source, client("benchours2")].map(async (service) => {
      for (const c of containers) {
        for await (const page of service
          .getContainerClient(c)
          .listBlobsFlat({ includeMetadata: true, includeTags: true })
          .byPage({ maxPageSize: 5000 })) {
          listed += page.segment.blobItems.length;
        }
      }
    }),
  );
  const listSeconds = seconds(start);
  const again = await ours("benchours2");
  if (again.result.counts.created + again.result.counts.updated !== 0) {
    throw new Error(`the re-run changed something: ${JSON.stringify(again.result.counts)}`);
  }
  console.log(
    `listing both sides (${listed} blobs): ${listSeconds.toFixed(2)} s; no-change re-run: ${again.seconds.toFixed(2)} s`,
  );
  bench({
    name: "rerun-no-change-10k",
    ours_s: round(again.seconds),
    baseline_s: round(listSeconds),
    ratio: round(again.seconds / listSeconds),
    target: "<= 1.5",
  });

  // ------------------------------------------------------------------ 3. discover 100,000 blobs in a child process
  const big = client("benchbig");
  await big.getContainerClient("many").create();
  start = performance.now();
  const empty = Buffer.alloc(0);
  const many = Array.from({ length: DISCOVER }, (_, i) => `p${i % 100}/blob-${i}`);
  await parallel(many, 128, (name) =>
    big
      .getContainerClient("many")
      .getBlockBlobClient(name)
      .upload(empty, 0, { metadata: { n: "1" } }),
  );
  console.log(`seeded ${DISCOVER} blobs in ${seconds(start).toFixed(1)} s`);
  start = performance.now();
  let rawCount = 0;
  for await (const page of big
    .getContainerClient("many")
    .listBlobsFlat({ includeMetadata: true, includeTags: true })
    .byPage({ maxPageSize: 5000 })) {
    rawCount += page.segment.blobItems.length;
  }
  const rawList = seconds(start);
  const child = spawn(process.execPath, ["--experimental-strip-types", join(here, "discover-child.ts")], {
    env: {
      ...process.env,
      BENCH_RESOURCE: JSON.stringify(resource("benchbig")),
      BENCH_KEY: key("benchbig"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((r) => child.on("exit", r));
  const measured = JSON.parse(out.trim().split("\n").pop()!) as {
    items: number;
    seconds: number;
    peakRssMb: number;
  };
  console.log(
    `discover ${measured.items} items in ${measured.seconds.toFixed(2)} s (raw listing of ${rawCount}: ${rawList.toFixed(2)} s), peak RSS ${measured.peakRssMb} MB`,
  );
  bench({
    name: "discover-100k-peak-rss",
    ours_s: round(measured.seconds),
    baseline_s: round(rawList),
    ratio: round(measured.seconds / rawList),
    target: "< 150 MB",
    peak_rss_mb: measured.peakRssMb,
  });
} finally {
  await azurite.stop();
}
