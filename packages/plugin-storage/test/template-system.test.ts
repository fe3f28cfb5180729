import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bed, startBed } from "./helpers/bed.js";
import { type Outcome, PACKAGE_DIR, runDataplane } from "./helpers/cli.js";

const SRC = "tplsource";
const DST = "tpltarget";

let bed: Bed;

function dataplane(args: readonly string[]): Promise<Outcome> {
  return runDataplane([...args, "--config", bed.configPath], {
    cwd: bed.dir,
    env: { DATAPLANE_PLUGINS: PACKAGE_DIR },
  });
}

type Counts = Record<string, number>;

/** The `--json` summary's counts per kind. */
function byKind(out: string): Record<string, Counts> {
  const summary = out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { type: string; results?: { byKind: Record<string, Counts> }[] })
    .find((l) => l.type === "summary");
  return summary?.results?.[0]?.byKind ?? {};
}

async function containers(account: string): Promise<string[]> {
  const names: string[] = [];
  for await (const c of bed.blob(account).listContainers()) names.push(c.name);
  return names.sort();
}

async function blobCount(account: string): Promise<number> {
  let n = 0;
  for (const name of await containers(account)) {
    for await (const _ of bed.blob(account).getContainerClient(name).listBlobsFlat()) n++;
  }
  return n;
}

beforeAll(async () => {
  bed = await startBed([SRC, DST]);
  const blobs = bed.blob(SRC);
  for (const [container, blob] of [
    ["reports", "2026/q1.csv"],
    ["reports", "2026/q2.csv"],
    ["$root", "robots.txt"],
    ["$logs", "blob/2026/03/01/0000/000000.log"],
    ["$blobchangefeed", "meta/segments.json"],
  ] as const) {
    const client = blobs.getContainerClient(container);
    await client.createIfNotExists({ metadata: { team: "data" } });
    await client.getBlockBlobClient(blob).upload("x,y\n", 4);
  }
  bed.files.seedFile(SRC, "docs", "guide/intro.txt", "hello", { metadata: { lang: "en" } });
  bed.files.seedFile(SRC, "docs", "guide/deeper/more.txt", "more");
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe("system containers", () => {
  it("discovery shows $root but not $logs or $blobchangefeed", async () => {
    const listed = await dataplane(["discover", bed.resourcePath(SRC), "--json"]);
    expect(listed.code, listed.err).toBe(0);
    const keys = listed.out
      .split("\n")
      .filter((l) => l.includes('"type":"item"'))
      .map((l) => (JSON.parse(l) as { item: { key: string } }).item.key);
    expect(keys.some((k) => k.includes("$root"))).toBe(true);
    expect(keys.filter((k) => k.includes("$logs") || k.includes("$blobchangefeed"))).toEqual([]);
  }, 60_000);
});

describe("--mode template, then a normal replication", () => {
  it("creates the structure first, then every blob and file, with no conflict and no overwrite flag", async () => {
    const replicate = ["replicate", "--source", bed.resourcePath(SRC), "--target", bed.resourcePath(DST)];
    const template = await dataplane([...replicate, "--mode", "template", "--json"]);
    expect(template.code, template.err).toBe(0);
    expect(await containers(DST)).toEqual(["$root", "reports"]);
    expect(await blobCount(DST)).toBe(0);
    const tree = bed.share(DST).getShareClient("docs");
    expect(await tree.getDirectoryClient("guide/deeper").exists()).toBe(true);
    expect(await tree.rootDirectoryClient.getFileClient("guide/intro.txt").exists()).toBe(false);

    const full = await dataplane([...replicate, "--verify", "--json"]);
    expect(full.code, full.err).toBe(0);
    const counts = byKind(full.out);
    expect(counts.blob).toMatchObject({ created: 3, failed: 0, conflicts: 0 });
    expect(counts.file).toMatchObject({ created: 2, failed: 0, conflicts: 0 });
    for (const kind of ["container", "share", "directory"]) {
      expect(counts[kind], kind).toMatchObject({ created: 0, failed: 0, conflicts: 0 });
    }
    expect(full.err).toContain("verify: passed");
    expect(await containers(DST)).toEqual(["$root", "reports"]);
    expect(await blobCount(DST)).toBe(3);
    const intro = tree.rootDirectoryClient.getFileClient("guide/intro.txt");
    expect((await intro.downloadToBuffer()).toString()).toBe("hello");
    expect((await intro.getProperties()).metadata).toMatchObject({ lang: "en" });

    const again = await dataplane([...replicate, "--json"]);
    expect(again.code, again.err).toBe(0);
    for (const [kind, c] of Object.entries(byKind(again.out))) {
      expect({ kind, created: c.created, updated: c.updated }).toEqual({ kind, created: 0, updated: 0 });
    }
  }, 120_000);
});
