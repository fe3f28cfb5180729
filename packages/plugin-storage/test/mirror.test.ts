import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listContainerEntries } from "../src/discover/blobs.js";
import { type Bed, startBed } from "./helpers/bed.js";
import { type Outcome, PACKAGE_DIR, runDataplane } from "./helpers/cli.js";

// Mirror mode through the command line, against Azurite and the Files emulator: a dry run
// shows the deletions and deletes nothing; --delete-extraneous then deletes exactly what the
// source no longer has (blobs, files, a directory with its tree), never whole containers or
// shares, and never without the flag.

let bed: Bed;

const cli = (args: string[]): Promise<Outcome> => runDataplane(args);

const args = (extra: string[]) => [
  "replicate",
  "--source",
  bed.resourcePath("mirrorsrc"),
  "--target",
  bed.resourcePath("mirrordst"),
  "--plugin",
  PACKAGE_DIR,
  "--config",
  bed.configPath,
  "--checkpoint",
  resolve(bed.dir, "checkpoints"),
  "--no-progress",
  ...extra,
];

async function blobNames(account: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of listContainerEntries(bed.blob(account), "docs", { prefix: "", tags: false }))
    names.push(e.name);
  return names.sort();
}

async function paths(account: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  const client = bed.share(account).getShareClient("team");
  const d = dir === "" ? client.rootDirectoryClient : client.getDirectoryClient(dir);
  for await (const e of d.listFilesAndDirectories()) {
    const path = dir === "" ? e.name : `${dir}/${e.name}`;
    out.push(e.kind === "directory" ? `${path}/` : path);
    if (e.kind === "directory") out.push(...(await paths(account, path)));
  }
  return out.sort();
}

beforeAll(async () => {
  bed = await startBed(["mirrorsrc", "mirrordst"]);
  for (const account of ["mirrorsrc", "mirrordst"]) {
    await bed.blob(account).getContainerClient("docs").create();
    for (const name of ["a.txt", "dir/b.txt", "日本.txt"])
      await bed.blob(account).getContainerClient("docs").getBlockBlobClient(name).upload(name, name.length);
    bed.files.seedShare(account, "team", {});
    bed.files.seedDirectory(account, "team", "kept", {});
    bed.files.seedFile(account, "team", "kept/report.txt", "report", {});
  }
  // what the source no longer has
  const dst = bed.blob("mirrordst");
  for (const name of ["old.txt", "dir/gone.txt", "😀-stale"])
    await dst.getContainerClient("docs").getBlockBlobClient(name).upload(name, name.length);
  await dst.getContainerClient("target-only").create();
  bed.files.seedFile("mirrordst", "team", "kept/stale.txt", "stale", {});
  bed.files.seedDirectory("mirrordst", "team", "retired", {});
  bed.files.seedDirectory("mirrordst", "team", "retired/deeper", {});
  bed.files.seedFile("mirrordst", "team", "retired/deeper/old.csv", "a,b\n", {});
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe("mirror mode: --delete-extraneous", () => {
  it("is not the default: a plain run deletes nothing", async () => {
    const before = { blobs: await blobNames("mirrordst"), files: await paths("mirrordst") };
    // both sides were seeded with kept/report.txt on their own (no provenance): overwrite it, so
    // the run is clean (a conflict left would exit 3) and the target's paths stay as they were
    const run = await cli(args(["--on-conflict", "overwrite"]));
    expect(run.code, run.err).toBe(0);
    expect({ blobs: await blobNames("mirrordst"), files: await paths("mirrordst") }).toEqual(before);
  }, 120_000);

  it("a dry run shows what would be deleted and deletes nothing", async () => {
    const before = { blobs: await blobNames("mirrordst"), files: await paths("mirrordst") };
    const run = await cli(args(["--dry-run", "--delete-extraneous", "--verbose"]));
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/blob\s+delete\s+3/);
    expect(run.out).toMatch(/file\s+delete\s+1/);
    expect(run.out).toMatch(/directory\s+delete\s+1/);
    expect(run.err).toMatch(/delete\s+blob blob\/docs\/old\.txt/);
    expect({ blobs: await blobNames("mirrordst"), files: await paths("mirrordst") }).toEqual(before);
  }, 120_000);

  it("deletes exactly what the source no longer has, counted and reported, never a whole container", async () => {
    const run = await cli(args(["--delete-extraneous", "--json"]));
    expect(run.code, run.err).toBe(0);
    const summary = JSON.parse(run.out.trim().split("\n").pop()!) as {
      results: { counts: { deleted: number; failed: number }; byKind: Record<string, { deleted: number }> }[];
    };
    const result = summary.results[0]!;
    expect(result.counts).toMatchObject({ deleted: 5, failed: 0 });
    expect(result.byKind.blob?.deleted).toBe(3);
    expect(await blobNames("mirrordst")).toEqual(await blobNames("mirrorsrc"));
    expect(await paths("mirrordst")).toEqual(await paths("mirrorsrc"));
    const containers: string[] = [];
    for await (const c of bed.blob("mirrordst").listContainers()) containers.push(c.name);
    expect(containers).toContain("target-only");
  }, 120_000);
});
