// Replication against real endpoints: Azurite (blobs) and the Files emulator (shares), the
// unmodified Azure SDK clients over HTTP, a source account of 5,100 blobs and 600 files.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseShard } from "@dataplane/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listBlobEntries, sdkListing } from "../src/discover/blob-listing.js";
import { storagePlugin } from "../src/index.js";
import { type Bed, parallel, startBed } from "./helpers/bed.js";
import { blobMd5, blobStates, fileMd5, shareTree } from "./helpers/compare.js";
import { type Estate, md5, RESTRICTED_SDDL, seedEstate } from "./helpers/estate.js";
import { replicate } from "./helpers/run.js";

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = resolve(PACKAGE_DIR, "../cli/dist/bin.js");
const SRC = "srcaccount";

let bed: Bed;
let estate: Estate;

beforeAll(async () => {
  bed = await startBed([
    SRC,
    "dstaccount",
    "dsttemplate",
    "dstresume",
    "dstthrottle",
    "dstshard",
    "dstfault",
    "dstblock",
    "dstasync",
  ]);
  estate = await seedEstate(bed.blob(SRC), bed.files, SRC);
}, 600_000);

afterAll(async () => {
  await bed?.stop();
});

const copyable = () => estate.blobs.filter((b) => !b.archive);
const archived = () => estate.blobs.filter((b) => b.archive);

/** The target holds every copyable source blob with the same size, MD5, properties, tags and tier. */
async function expectBlobsReplicated(target: string): Promise<void> {
  const [source, replica] = await Promise.all([blobStates(bed.blob(SRC)), blobStates(bed.blob(target))]);
  const expected = [...source].filter(([, s]) => s.tier !== "Archive");
  expect(replica.size).toBe(expected.length);
  for (const [key, s] of expected) {
    const t = replica.get(key);
    expect(t, key).toBeDefined();
    expect({ key, size: t!.size, md5: t!.md5, type: t!.blobType }).toEqual({
      key,
      size: s.size,
      md5: s.md5,
      type: s.blobType,
    });
    expect({ key, metadata: t!.metadata, tags: t!.tags, headers: t!.headers }).toEqual({
      key,
      metadata: s.metadata,
      tags: s.tags,
      headers: s.headers,
    });
    if (s.tier) expect({ key, tier: t!.tier }).toEqual({ key, tier: s.tier });
    expect(t!.provenance, key).toBeDefined();
  }
}

async function expectShareReplicated(target: string): Promise<void> {
  const [source, replica] = await Promise.all([
    shareTree(bed.share(SRC), estate.share),
    shareTree(bed.share(target), estate.share),
  ]);
  expect([...replica.keys()].sort()).toEqual([...source.keys()].sort());
  for (const [path, s] of source) {
    const { provenance, ...t } = replica.get(path)!;
    expect({ path, ...t }).toEqual({ path, ...s });
    if (s.kind === "file") expect(provenance, path).toBeDefined();
  }
}

// Each test moves the whole estate (5,100 blobs, 600 files): seconds on an idle machine, minutes
// on two loaded cores. The time-out is a deadline for a hang, not a performance claim.
const HEAVY = { timeout: 600_000 };

describe("replicate: source account → target account", HEAVY, () => {
  it("plans everything in a dry run and changes nothing", async () => {
    const run = await replicate(bed, SRC, "dstaccount", { dryRun: true });
    expect(run.result.counts.failed).toBe(0);
    expect(run.result.plan.blob).toEqual({
      create: copyable().length,
      "skip-unsupported": archived().length,
    });
    expect(run.result.plan.container).toEqual({ create: 4 });
    expect(run.result.plan.file).toEqual({ create: estate.files.length });
    expect(run.result.plan.directory).toEqual({ create: estate.directories.length });
    const writes = run.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD");
    expect(writes).toEqual([]);
    const containers = [];
    for await (const c of bed.blob("dstaccount").listContainers()) containers.push(c.name);
    const shares = [];
    for await (const s of bed.share("dstaccount").listShares()) shares.push(s.name);
    expect({ containers, shares }).toEqual({ containers: [], shares: [] });
  });

  it("copies every blob and file server-side with content and properties, then verifies", async () => {
    const run = await replicate(bed, SRC, "dstaccount", { options: { verify: true } });
    const { result } = run;
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.byKind.container).toMatchObject({ discovered: 4, created: 4, failed: 0 });
    expect(result.byKind.blob).toMatchObject({
      discovered: estate.blobs.length,
      created: copyable().length,
      skipped: archived().length,
      failed: 0,
    });
    expect(result.byKind.share).toMatchObject({ created: 1 });
    expect(result.byKind.directory).toMatchObject({ created: estate.directories.length });
    expect(result.byKind.file).toMatchObject({ created: estate.files.length, failed: 0 });
    expect(run.logs.join("\n")).toMatch(/verify: passed — 4 containers, \d+ blobs, 1 share,/);
    const archiveReason = run.events.find((e) => e.type === "finished" && e.status === "skipped-unsupported");
    expect(archiveReason).toMatchObject({ reason: expect.stringContaining("archive tier") });

    // Server-side: the source sees listings, one check of the block-copied blob, no per-blob reads.
    // (Files are read once for their metadata, and once more by --verify for their MD5.)
    const sourceReads = run.requests.filter((r) => r.side === "source" && r.method === "HEAD");
    expect(sourceReads.length).toBeLessThanOrEqual(2 * estate.files.length + estate.directories.length + 5);
    const sourceBlobHeads = sourceReads.filter((r) => r.url.includes(bed.azurite.blobEndpoint(SRC)));
    expect(sourceBlobHeads.length).toBeLessThanOrEqual(1);
    const blobCopies = run.requests.filter(
      (r) => r.copy && r.url.includes(bed.azurite.blobEndpoint("dstaccount")),
    );
    // one copy per blob and per block of the large one (counted by URL: a loaded machine may see
    // a request retried, which is the governor's job, not a second copy)
    expect(new Set(blobCopies.map((r) => r.url)).size).toBe(copyable().length - 1 + Math.ceil(257 / 8));
    // Every SAS was registered with the redactor before the request that carries it was sent.
    const sasQueries = new Set(
      run.requests.flatMap((r) => (r.copySource ? [r.copySource.split("?")[1]!] : [])),
    );
    expect(sasQueries.size).toBeGreaterThanOrEqual(2);
    for (const query of sasQueries) {
      expect(query).toMatch(/sp=r&/);
      expect(run.redactor.redact(`x ${query} y`)).toBe("x [REDACTED] y");
    }
    const printed = JSON.stringify({ result, events: run.events, logs: run.logs });
    for (const query of sasQueries) expect(printed.includes(query.split("sig=")[1]!)).toBe(false);

    await expectBlobsReplicated("dstaccount");
    await expectShareReplicated("dstaccount");
  });

  it("reproduces the bytes (downloads compared) of large, page, append and sampled small blobs and of every file", async () => {
    const source = bed.blob(SRC);
    const target = bed.blob("dstaccount");
    for (const name of [estate.large.tenMiB, estate.large.overSyncLimit]) {
      expect(await blobMd5(target, "media", name)).toBe(estate.largeMd5[name]);
    }
    const sample = [
      { container: "media", name: "disk.vhd" },
      { container: "media", name: "append/log.txt" },
      ...copyable().filter((b, i) => b.size < 4096 && i % 17 === 0),
    ];
    await parallel(sample, 16, async (b) => {
      const [a, c] = await Promise.all([
        blobMd5(source, b.container, b.name),
        blobMd5(target, b.container, b.name),
      ]);
      expect(c, `${b.container}/${b.name}`).toBe(a);
    });
    await parallel(estate.files, 16, async (path) => {
      const [a, c] = await Promise.all([
        fileMd5(bed.share(SRC), estate.share, path),
        fileMd5(bed.share("dstaccount"), estate.share, path),
      ]);
      expect(c, path).toBe(a);
    });
    const containerProps = async (account: string) => {
      const out: Record<string, unknown> = {};
      for await (const c of bed.blob(account).listContainers({ includeMetadata: true })) {
        out[c.name] = { metadata: c.metadata, access: c.properties.publicAccess ?? "none" };
      }
      return out;
    };
    expect(await containerProps("dstaccount")).toEqual(await containerProps(SRC));
    // SMB permissions: the target's key differs, the descriptor behind it does not.
    for (const path of ["restricted", "restricted/payroll.csv"]) {
      const sddl = async (account: string) => {
        const share = bed.share(account).getShareClient(estate.share);
        const props =
          path === "restricted"
            ? await share.getDirectoryClient(path).getProperties()
            : await share.rootDirectoryClient.getFileClient(path).getProperties();
        return (await share.getPermission(props.filePermissionKey!)).permission;
      };
      expect(await sddl(SRC), path).toBe(RESTRICTED_SDDL);
      expect(await sddl("dstaccount"), path).toBe(RESTRICTED_SDDL);
    }
    const shareProps = async (account: string) => {
      const p = await bed.share(account).getShareClient(estate.share).getProperties();
      return { quota: p.quota, tier: p.accessTier, metadata: p.metadata };
    };
    expect(await shareProps("dstaccount")).toEqual(await shareProps(SRC));
  });

  it("copies nothing on a re-run (listings compared, no per-item requests)", async () => {
    const before = await blobStates(bed.blob("dstaccount"));
    const run = await replicate(bed, SRC, "dstaccount");
    const { result } = run;
    expect(result.counts).toMatchObject({
      created: 0,
      updated: 0,
      failed: 0,
      discovered: result.counts.skipped,
    });
    expect(result.plan.blob).toEqual({
      "skip-unchanged": copyable().length,
      "skip-unsupported": archived().length,
    });
    expect(result.plan.file).toEqual({ "skip-unchanged": estate.files.length });
    // Only listings, plus one read per distinct SMB permission of a share (cached).
    const notListing = run.requests.filter(
      (r) => r.method !== "GET" || !/[?&]comp=(list|filepermission)/.test(r.url),
    );
    expect(notListing.map((r) => `${r.side} ${r.method} ${r.url}`)).toEqual([]);
    const after = await blobStates(bed.blob("dstaccount"));
    for (const [key, s] of before) expect(after.get(key)?.etag, key).toBe(s.etag);
  });

  it("copies again only the blob and the file that changed in the source", async () => {
    const changedBlob = copyable().find((b) => b.container === "alpha" && b.size === 1024)!;
    const body = randomBytes(2048);
    await bed
      .blob(SRC)
      .getContainerClient("alpha")
      .getBlockBlobClient(changedBlob.name)
      .upload(body, body.length);
    const changedFile = estate.files[10]!;
    const newContent = randomBytes(3333);
    const file = bed.share(SRC).getShareClient(estate.share).rootDirectoryClient.getFileClient(changedFile);
    await file.create(newContent.length);
    await file.uploadRange(newContent, 0, newContent.length);
    const before = await blobStates(bed.blob("dstaccount"));

    const run = await replicate(bed, SRC, "dstaccount");
    expect(run.result.counts).toMatchObject({ created: 0, updated: 2, failed: 0 });
    expect(run.result.byKind.blob?.updated).toBe(1);
    expect(run.result.byKind.file?.updated).toBe(1);
    expect(run.requests.filter((r) => r.copy)).toHaveLength(2);
    const after = await blobStates(bed.blob("dstaccount"));
    for (const [key, s] of before) {
      if (key === `alpha/${changedBlob.name}`) expect(after.get(key)!.md5).toBe(md5(body));
      else expect(after.get(key)?.etag, key).toBe(s.etag);
    }
    expect(await fileMd5(bed.share("dstaccount"), estate.share, changedFile)).toBe(md5(newContent));
  });

  it("brings properties in line without copying content, and treats a foreign target blob as a conflict", async () => {
    const metaOnly = copyable().find((b) => b.container === "beta")!;
    await bed
      .blob(SRC)
      .getContainerClient("beta")
      .getBlobClient(metaOnly.name)
      .setMetadata({ reviewed: "2026" });
    const foreign = copyable().filter((b) => b.container === "beta")[1]!;
    const intruder = Buffer.from("written by someone else");
    await bed
      .blob("dstaccount")
      .getContainerClient("beta")
      .getBlockBlobClient(foreign.name)
      .upload(intruder, intruder.length);

    const run = await replicate(bed, SRC, "dstaccount");
    expect(run.result.plan.blob).toMatchObject({ update: 1, conflict: 1 });
    expect(run.requests.filter((r) => r.copy)).toHaveLength(0);
    const conflict = run.events.find((e) => e.type === "finished" && e.status === "skipped-conflict");
    expect(conflict).toMatchObject({
      key: `blob/beta/${foreign.name}`,
      reason: expect.stringContaining("not copied by dataplane"),
    });
    const target = bed.blob("dstaccount").getContainerClient("beta");
    expect((await target.getBlobClient(metaOnly.name).getProperties()).metadata).toMatchObject({
      reviewed: "2026",
    });
    expect(await blobMd5(bed.blob("dstaccount"), "beta", foreign.name)).toBe(md5(intruder));

    const overwrite = await replicate(bed, SRC, "dstaccount", { onConflict: "overwrite" });
    expect(overwrite.result.counts).toMatchObject({ updated: 1, failed: 0 });
    expect(await blobMd5(bed.blob("dstaccount"), "beta", foreign.name)).toBe(
      await blobMd5(bed.blob(SRC), "beta", foreign.name),
    );
  });

  it("creates only containers, shares and directories in template mode", async () => {
    const run = await replicate(bed, SRC, "dsttemplate", { mode: "template" });
    expect(run.result.counts.failed).toBe(0);
    expect(Object.keys(run.result.byKind).sort()).toEqual(["container", "directory", "share"]);
    const blobs = await blobStates(bed.blob("dsttemplate"));
    expect(blobs.size).toBe(0);
    const tree = await shareTree(bed.share("dsttemplate"), estate.share);
    expect([...tree.values()].every((e) => e.kind === "directory")).toBe(true);
    expect(tree.size).toBe(estate.directories.length);
    const again = await replicate(bed, SRC, "dsttemplate", { mode: "template" });
    expect(again.result.counts).toMatchObject({ created: 0, updated: 0 });
  });

  it("covers the account with two shards, each working on its own (parents and containers created bare)", async () => {
    const blobScope = { services: "blob", containers: "alpha", prefix: "with space/" };
    const fileScope = { services: "file", prefix: "team-1/" };
    const created = { blob: 0, container: 0, file: 0, directory: 0 };
    for (const options of [blobScope, fileScope]) {
      for (const shard of ["1/2", "2/2"]) {
        const run = await replicate(bed, SRC, "dstshard", { shard: parseShard(shard), options });
        expect(run.result.errors).toEqual([]);
        for (const kind of Object.keys(created) as (keyof typeof created)[]) {
          created[kind] += (run.result.byKind[kind]?.created ?? 0) + (run.result.byKind[kind]?.updated ?? 0);
        }
      }
    }
    const blobs = copyable().filter((b) => b.container === "alpha" && b.name.startsWith("with space/"));
    const files = estate.files.filter((f) => f.startsWith("team-1/"));
    const directories = estate.directories.filter((d) => d === "team-1" || d.startsWith("team-1/"));
    expect(created).toEqual({
      blob: blobs.length,
      container: 1,
      file: files.length,
      directory: directories.length,
    });
    for (const options of [blobScope, fileScope]) {
      const check = await replicate(bed, SRC, "dstshard", {
        dryRun: true,
        options: { ...options, verify: true },
      });
      expect(check.result.counts).toMatchObject({ created: 0, updated: 0, failed: 0 });
      expect(check.logs.join("\n")).toContain("verify: passed");
    }
    const [source, target] = await Promise.all([blobStates(bed.blob(SRC)), blobStates(bed.blob("dstshard"))]);
    for (const b of blobs)
      expect(target.get(`alpha/${b.name}`)?.metadata).toEqual(source.get(`alpha/${b.name}`)?.metadata);
    const alpha = await bed.blob("dstshard").getContainerClient("alpha").getProperties();
    expect({ metadata: alpha.metadata, access: alpha.blobPublicAccess }).toEqual({
      metadata: { team: "data", owner: "alice" },
      access: "blob",
    });
    const [sourceTree, targetTree] = await Promise.all([
      shareTree(bed.share(SRC), estate.share),
      shareTree(bed.share("dstshard"), estate.share),
    ]);
    for (const d of directories) {
      const { provenance: _p, ...t } = targetTree.get(d)!;
      expect({ d, ...t }).toEqual({ d, ...sourceTree.get(d) });
    }
  });

  it("reports every difference --verify finds, and fails the result", async () => {
    const gone = copyable().find((b) => b.container === "alpha" && b.name.startsWith("with space/"))!;
    await bed.blob("dstshard").getContainerClient("alpha").deleteBlob(gone.name);
    const check = await replicate(bed, SRC, "dstshard", {
      dryRun: true,
      options: { services: "blob", containers: "alpha", prefix: "with space/", verify: true },
    });
    expect(check.result.success).toBe(false);
    expect(check.result.warnings).toEqual([`verify: blob alpha/${gone.name} is missing in the target`]);
    expect(check.result.errors).toEqual([
      expect.objectContaining({
        key: "(verify)",
        code: "DP_VERIFY_FAILED",
        message: expect.stringMatching(/^verify: FAILED — 1 difference \(/),
      }),
    ]);
    expect(check.result.counts.failed).toBe(1);
  });

  it("reads the target again before retrying, so a copy whose answer was lost is not redone", async () => {
    const scope = copyable().filter((b) => b.container === "beta" && b.name.startsWith("logs/2026/03/"));
    const victim = scope[5]!;
    const victimPath = `/beta/${victim.name.split("/").map(encodeURIComponent).join("/")}`;
    let lost = 0;
    const run = await replicate(
      bed,
      SRC,
      "dstfault",
      { options: { services: "blob", containers: "beta", prefix: "logs/2026/03/" } },
      (request) => {
        if (lost > 0 || !request.headers.get("x-ms-copy-source") || !request.url.includes(victimPath))
          return undefined;
        lost++;
        return "lose-response";
      },
    );
    expect(lost).toBe(1);
    expect(run.result.errors).toEqual([]);
    expect(run.requests.filter((r) => r.copy && r.url.includes(victimPath))).toHaveLength(1);
    expect(run.events).toContainEqual(
      expect.objectContaining({ type: "retried", operation: `apply blob/beta/${victim.name}` }),
    );
    expect(run.events).toContainEqual(
      expect.objectContaining({
        type: "finished",
        key: `blob/beta/${victim.name}`,
        status: "created",
        reason: expect.stringContaining("the target confirms it"),
      }),
    );
    expect(run.result.byKind.blob).toMatchObject({ created: scope.length, failed: 0 });
    expect(await blobMd5(bed.blob("dstfault"), "beta", victim.name)).toBe(
      await blobMd5(bed.blob(SRC), "beta", victim.name),
    );
  });

  it("falls back when the target answers 501: block copies, then asynchronous copies", async () => {
    const options = { services: "blob", containers: "beta", prefix: "logs/2026/04/" };
    const scope = copyable().filter((b) => b.container === "beta" && b.name.startsWith("logs/2026/04/"));
    const isSync = (r: { headers: { get(n: string): string | undefined } }) =>
      r.headers.get("x-ms-requires-sync") !== undefined;
    const isBlock = (r: { url: string; headers: { get(n: string): string | undefined } }) =>
      r.headers.get("x-ms-copy-source") !== undefined && r.url.includes("comp=block");
    const block = await replicate(bed, SRC, "dstblock", { options, maxInFlight: 4 }, (r) =>
      isSync(r) ? "not-implemented" : undefined,
    );
    expect(block.result.errors).toEqual([]);
    expect(block.result.byKind.blob?.created).toBe(scope.length);
    expect(block.logs.join("\n")).toContain("does not implement Copy Blob From URL (501)");
    // Each of the first requests in flight may meet the 501; after that, no more attempts.
    const syncAttempts = block.requests.filter((r) => r.copy && !r.url.includes("comp=block"));
    expect(syncAttempts.length).toBeLessThanOrEqual(4);
    expect(block.requests.filter((r) => r.copy && r.url.includes("comp=block")).length).toBe(scope.length);

    const async = await replicate(bed, SRC, "dstasync", { options, maxInFlight: 4 }, (r) =>
      isSync(r) || isBlock(r) ? "not-implemented" : undefined,
    );
    expect(async.result.errors).toEqual([]);
    expect(async.result.byKind.blob?.created).toBe(scope.length);
    expect(async.logs.join("\n")).toContain("does not implement Put Block From URL (501)");
    for (const account of ["dstblock", "dstasync"]) {
      const [source, target] = await Promise.all([blobStates(bed.blob(SRC)), blobStates(bed.blob(account))]);
      for (const b of scope) {
        const s = source.get(`beta/${b.name}`)!;
        const t = target.get(`beta/${b.name}`)!;
        expect({ md5: t.md5, size: t.size, headers: t.headers, metadata: t.metadata }).toEqual({
          md5: s.md5,
          size: s.size,
          headers: s.headers,
          metadata: s.metadata,
        });
      }
      const again = await replicate(bed, SRC, account, { options });
      expect(again.result.counts).toMatchObject({ created: 0, updated: 0, failed: 0 });
    }
  });

  it("rides out a throttled target (503 Server Busy) through core's governor", async () => {
    // Throttled hard until the target has refused requests, whatever the machine's speed (a
    // fixed rate would only bite on a machine fast enough to exceed it), then at a rate a run
    // still bumps into now and then.
    bed.files.setThrottling({ requestsPerSecond: 2 }, "dstthrottle");
    const running = replicate(bed, SRC, "dstthrottle", {
      options: { services: "file", prefix: "team-0/", verify: true },
      maxInFlight: 32,
    });
    let settled = false;
    void running.finally(() => {
      settled = true;
    });
    while (!settled && bed.files.stats("dstthrottle").throttled === 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    bed.files.setThrottling({ requestsPerSecond: 150 }, "dstthrottle");
    const run = await running;
    bed.files.setThrottling(false, "dstthrottle");
    expect(run.result.errors).toEqual([]);
    expect(run.result.byKind.file?.created).toBe(estate.files.filter((f) => f.startsWith("team-0/")).length);
    expect(run.events.filter((e) => e.type === "retried").length).toBeGreaterThan(0);
    expect(bed.files.stats("dstthrottle").throttled).toBeGreaterThan(0);
    expect(run.logs.join("\n")).toContain("verify: passed");
  });
});

describe("discover", HEAVY, () => {
  it("reads List Blobs pages as they stream, exactly as the SDK's listing does", async () => {
    const container = bed.blob(SRC).getContainerClient("alpha");
    const options = { metadata: true, tags: true };
    const ours = [];
    for await (const e of listBlobEntries(container, options)) ours.push(e);
    const sdk = [];
    for await (const e of sdkListing(container, options)) sdk.push(e);
    expect(ours.length).toBe(2600);
    expect(ours).toEqual(sdk);
    for (const prefix of ["with space/and  two", "ünïcödé/日本語/", "deep/a/b/c/d/e/f/g/h/file-1"]) {
      const a = [];
      for await (const e of listBlobEntries(container, { ...options, prefix })) a.push(e);
      const b = [];
      for await (const e of sdkListing(container, { ...options, prefix })) b.push(e);
      expect(a.length, prefix).toBeGreaterThan(0);
      expect(a, prefix).toEqual(b);
    }
    const missing = async () => {
      for await (const _ of listBlobEntries(bed.blob(SRC).getContainerClient("no-such-container"), options))
        break;
    };
    await expect(missing()).rejects.toMatchObject({ statusCode: 404, code: "ContainerNotFound" });
  });

  it("streams containers, blobs, shares, directories and files with their properties", async () => {
    const snapshotted = bed.blob(SRC).getContainerClient("media").getBlobClient("disk.vhd");
    await snapshotted.createSnapshot();
    await snapshotted.createSnapshot();
    const { createSession } = await import("@dataplane/core");
    const context = createSession().discoverContext(bed.access(SRC, "source"), {
      containers: "media,empty",
      "count-snapshots": true,
    });
    const kinds: Record<string, number> = {};
    const byKey = new Map<string, Record<string, unknown>>();
    for await (const item of storagePlugin.discover(bed.resource(SRC), context)) {
      kinds[item.kind] = (kinds[item.kind] ?? 0) + 1;
      byKey.set(item.key, item.properties);
    }
    expect(kinds).toEqual({
      container: 2,
      blob: 4,
      share: 1,
      directory: estate.directories.length,
      file: estate.files.length,
    });
    expect(byKey.get("blob/media/disk.vhd")).toMatchObject({
      blobType: "PageBlob",
      snapshots: 2,
      versions: 0,
    });
    expect(byKey.get(`blob/media/${estate.large.overSyncLimit}`)).toMatchObject({
      size: 257 * 1024 * 1024,
      contentType: "application/x-binary",
      contentMD5: estate.largeMd5[estate.large.overSyncLimit],
      tags: { big: "true" },
      accessTier: "Cool",
      metadata: { size: "257MiB" },
    });
    expect(byKey.get("container/media")).toMatchObject({ publicAccess: "container" });
    expect(byKey.get(`share/${estate.share}`)).toMatchObject({
      quota: 20,
      accessTier: "Cool",
      protocol: "SMB",
    });
    const readOnly = estate.files.find((f) => f.endsWith(" ü.txt"))!;
    expect(byKey.get(`file/${estate.share}/${readOnly}`)).toMatchObject({
      attributes: "ReadOnly|Archive",
      contentType: "text/plain",
      metadata: {},
    });
    const reviewed = estate.files.find((f) => f.endsWith("doc 3.txt"))!;
    expect(byKey.get(`file/${estate.share}/${reviewed}`)).toMatchObject({
      metadata: { reviewed: "yes", by: "bob" },
    });
    expect(byKey.get(`directory/${estate.share}/team-0/project 0/2026-01`)).toMatchObject({
      attributes: "Hidden|Directory",
      metadata: { level: "3" },
    });
  });
});

describe("the command line: SIGKILL, then --resume", () => {
  function cli(args: string[]): ChildProcess {
    return spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  }

  function collect(
    child: ChildProcess,
  ): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    return new Promise((resolveExit) =>
      child.on("exit", (code, signal) => resolveExit({ code, signal, out, err })),
    );
  }

  it("loses nothing and redoes nothing", async () => {
    const checkpoints = join(bed.dir, "checkpoints");
    const args = [
      "replicate",
      "--source",
      bed.resourcePath(SRC),
      "--target",
      bed.resourcePath("dstresume"),
      "--plugin",
      PACKAGE_DIR,
      "--config",
      bed.configPath,
      "--checkpoint",
      checkpoints,
      "--no-progress",
    ];
    const first = cli(args);
    const exited = collect(first);
    const journalLines = () => {
      if (!existsSync(checkpoints)) return [];
      const file = readdirSync(checkpoints).find((f) => f.endsWith(".jsonl"));
      return file
        ? readFileSync(join(checkpoints, file), "utf8")
            .split("\n")
            .filter((l) => l.includes('"k":"blob/'))
        : [];
    };
    while (journalLines().length < 1500) {
      if (first.exitCode !== null)
        throw new Error(`the run ended before it could be killed:\n${(await exited).err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");

    // Copies the killed process had in flight may still land: wait until the target is still
    // (the same for four listings in a row; each listing of thousands of blobs takes a while)
    let beforeResume = await blobStates(bed.blob("dstresume"));
    for (let still = 0; still < 4; ) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await blobStates(bed.blob("dstresume"));
      still = now.size === beforeResume.size ? still + 1 : 0;
      beforeResume = now;
    }
    expect(beforeResume.size).toBeGreaterThanOrEqual(1500);
    expect(beforeResume.size).toBeLessThan(copyable().length);
    const finished = journalLines().map((l) => (JSON.parse(l) as { k: string }).k.slice("blob/".length));
    for (const key of finished) expect(beforeResume.has(key), key).toBe(true);

    const second = await collect(cli([...args, "--resume", "--json"]));
    expect(second.code, second.err).toBe(0);
    expect(second.err).toMatch(/resuming: \d+ items already finished/);
    const summary = JSON.parse(second.out.trim().split("\n").pop()!) as {
      results: { byKind: Record<string, { created: number; skipped: number; failed: number }> }[];
    };
    const blobs = summary.results[0]!.byKind.blob!;
    // Everything already in the target was skipped (journal or unchanged); only the rest was created.
    expect(blobs).toMatchObject({ created: copyable().length - beforeResume.size, failed: 0 });

    await expectBlobsReplicated("dstresume");
    const after = await blobStates(bed.blob("dstresume"));
    for (const [key, s] of beforeResume) expect(after.get(key)?.etag, key).toBe(s.etag);
    await expectShareReplicated("dstresume");
    expect(await blobMd5(bed.blob("dstresume"), "media", estate.large.overSyncLimit)).toBe(
      estate.largeMd5[estate.large.overSyncLimit],
    );
  }, 600_000);
});
