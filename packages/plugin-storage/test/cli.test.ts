// The plugin through the `dataplane` command line, against what `dataplane emulators start`
// writes: the README's commands work as written, and no SAS or key ends up anywhere.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { parse } from "@cdktf/hcl2json";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, type Outcome, PACKAGE_DIR, runDataplane } from "./helpers/cli.js";
import { readFolder, terraformProblems } from "./helpers/terraform.js";

const EMULATORS_DIR = ".dataplane/emulators";

let cwd: string;
let emulators: ChildProcess;
let config: { storage: Record<string, { accountKey: string }> };

/** Runs `dataplane <args>` in the test folder, with this package as the installed plugin. */
function dataplane(args: readonly string[]): Promise<Outcome> {
  return runDataplane(args, { cwd, env: { DATAPLANE_PLUGINS: PACKAGE_DIR } });
}

/** Splits a README command line into arguments (no quotes are used in them). */
function argv(line: string): string[] {
  return line.trim().split(/\s+/).slice(1);
}

function readmeCommands(): string[] {
  const readme = readFileSync(join(PACKAGE_DIR, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("## Try it on the local emulators"),
    readme.indexOf("## Options"),
  );
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block.split("\n").filter((l) => l.startsWith("dataplane "));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "dp-storage-cli-"));
  emulators = spawn(process.execPath, [CLI, "emulators", "start", "--seed"], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  await new Promise<void>((ready, fail) => {
    emulators.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Press Ctrl-C")) ready();
    });
    emulators.on("exit", (code) => fail(new Error(`emulators exited with ${code}: ${out}`)));
  });
  config = JSON.parse(readFileSync(join(cwd, EMULATORS_DIR, "dataplane.config.json"), "utf8"));
}, 180_000);

afterAll(async () => {
  if (emulators && emulators.exitCode === null) {
    const exited = new Promise((r) => emulators.on("exit", r));
    emulators.kill("SIGINT");
    await exited;
  }
});

describe("the README's commands, against `dataplane emulators start --seed`", () => {
  it("run as written: discover, generate, dry run, replicate with verify, a filtered re-run", async () => {
    const commands = readmeCommands();
    expect(commands).toHaveLength(5);
    const [discover, generate, dryRun, replicate, filtered] = commands.map(argv) as [
      string[],
      string[],
      string[],
      string[],
      string[],
    ];

    const listed = await dataplane(discover);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(/storage\s+blob\s+4\b/);
    expect(listed.out).toMatch(/storage\s+file\s+4\b/);

    const generated = await dataplane(generate);
    expect(generated.code, generated.err).toBe(0);
    const out = join(cwd, "storage-terraform");
    for (const file of filesUnder(out).filter((f) => /\.tf$|\.example$/.test(f))) {
      await expect(parse(file, readFileSync(file, "utf8")), file).resolves.toBeTypeOf("object");
    }
    expect(readFileSync(join(out, "blobs.tf"), "utf8")).toContain("source_uri");
    // What `terraform validate` and `terraform fmt -check` would say (azurerm 5.2 schema and rules).
    expect(await terraformProblems(readFolder(out))).toEqual([]);
    // Template mode copies no content: blob copies are refused, with the reason, nothing written.
    const template = await dataplane([
      ...generate.map((a) => (a === "storage-terraform" ? "tf-template" : a)),
      "--mode",
      "template",
    ]);
    expect(template.code).toBe(2);
    expect(template.err).toMatch(/--include-blobs does not go with --mode template/);
    expect(() => readdirSync(join(cwd, "tf-template"))).toThrow();

    const planned = await dataplane(dryRun);
    expect(planned.code, planned.err).toBe(0);
    expect(planned.out).toMatch(/blob\s+create\s+4/);

    const copied = await dataplane(replicate);
    expect(copied.code, copied.err).toBe(0);
    expect(copied.out).toMatch(/total\s+16\s+16\s+0\s+0\s+0/);
    expect(copied.err).toContain("verify: passed");

    const again = await dataplane(replicate);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/total\s+16\s+0\s+0\s+16\s+0/);

    const narrow = await dataplane(filtered);
    expect(narrow.code, narrow.err).toBe(0);
    expect(narrow.out).toMatch(/blob\s+1\s+0\s+0\s+1\s+0/);
  }, 120_000);
});

describe("secrets", () => {
  it("never writes a SAS or an account key to output, logs, reports, journals or generated code", async () => {
    const resources = join(EMULATORS_DIR, "resources");
    const configPath = join(EMULATORS_DIR, "dataplane.config.json");
    const source = config.storage.srcaccount!.accountKey;
    const endpoint = JSON.parse(readFileSync(join(cwd, resources, "source-storage.json"), "utf8")).properties
      .primaryEndpoints.blob as string;
    // New content, so that this run mints a SAS and copies.
    const blobs = new BlobServiceClient(
      endpoint.replace(/\/$/, ""),
      new StorageSharedKeyCredential("srcaccount", source),
    );
    const container = blobs.getContainerClient("fresh");
    await container.create();
    for (let i = 0; i < 20; i++) await container.getBlockBlobClient(`n/${i}.txt`).upload(`v${i}`, 2);

    const replicated = await dataplane([
      "replicate",
      "--source",
      join(resources, "source-storage.json"),
      "--target",
      join(resources, "target-storage.json"),
      "--config",
      configPath,
      "--debug",
      "--verbose",
      "--verify",
      "--report",
      "report.json",
      "--checkpoint",
      "journals",
    ]);
    expect(replicated.code, replicated.err).toBe(0);
    expect(replicated.out).toMatch(/blob\s+24\s+20\s+0\s+4\s+0/);
    const asJson = await dataplane([
      "discover",
      join(resources, "source-storage.json"),
      "--config",
      configPath,
      "--json",
      "--debug",
    ]);
    expect(asJson.code, asJson.err).toBe(0);
    const generated = await dataplane([
      "generate",
      join(resources, "source-storage.json"),
      "--config",
      configPath,
      "--out",
      "tf-secrets",
      "--include-blobs",
      "--debug",
    ]);
    expect(generated.code, generated.err).toBe(0);

    const texts: [string, string][] = [
      ["replicate stdout", replicated.out],
      ["replicate stderr", replicated.err],
      ["discover stdout", asJson.out],
      ["discover stderr", asJson.err],
      ["generate stdout", generated.out],
      ["report", readFileSync(join(cwd, "report.json"), "utf8")],
      ...filesUnder(join(cwd, "journals")).map((f): [string, string] => [f, readFileSync(f, "utf8")]),
      ...filesUnder(join(cwd, "tf-secrets")).map((f): [string, string] => [f, readFileSync(f, "utf8")]),
    ];
    expect(texts.some(([, t]) => t.includes("blob/fresh/n/3.txt"))).toBe(true);
    const keys = Object.values(config.storage).map((s) => s.accountKey);
    for (const [where, text] of texts) {
      expect(text, where).not.toMatch(/sig=(?!\[REDACTED\])/);
      expect(text, where).not.toMatch(/[?&](sv|se|sp|srt|ss|skoid|sktid)=/);
      for (const key of keys) expect(text.includes(key), where).toBe(false);
    }
  }, 120_000);
});
