import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { vaultResource } from "./vaults.js";

const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const CLI = join(WORKSPACE, "packages/cli/dist/bin.js");
const PLUGIN = "packages/plugin-keyvault";

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One item's outcome in a `--report` file. */
export interface ReportedItem {
  readonly key: string;
  readonly kind: string;
  readonly status: string;
  readonly action?: string;
  readonly reason?: string;
  readonly details?: Record<string, unknown>;
}

/**
 * A working directory as `dataplane emulators start` leaves it (resource documents, the CA, a
 * config) and a way to run the built CLI in it as a user would (async: the emulator lives in the
 * test's process).
 */
/** Runs the built CLI as a user would, with the Key Vault plugin named (async: the emulator lives in the test's process). */
export function runDataplane(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args, "--plugin", PLUGIN], {
      cwd: WORKSPACE,
      env: { ...process.env, NO_COLOR: "1", DATAPLANE_PLUGINS: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/**
 * What `dataplane emulators start` writes: `resources/<vault>.json`, the CA and
 * `dataplane.config.json` with a static token for both sides. Returns the config's path.
 */
export function writeCliFiles(emulator: KeyVaultEmulator, dir: string, vaults: readonly string[]): string {
  mkdirSync(join(dir, "resources"), { recursive: true });
  writeFileSync(join(dir, "ca.pem"), emulator.caCertificatePem ?? "");
  for (const name of vaults) {
    writeFileSync(
      join(dir, "resources", `${name}.json`),
      JSON.stringify(vaultResource(emulator, name), null, 2),
    );
  }
  const side = { credential: { type: "static-token", token: "emulator" }, local: true, caFile: "ca.pem" };
  const config = join(dir, "dataplane.config.json");
  writeFileSync(config, JSON.stringify({ sides: { source: side, target: side } }));
  return config;
}

export function cliBed(emulator: KeyVaultEmulator, dir: string, vaults: readonly string[]) {
  const config = writeCliFiles(emulator, dir, vaults);
  const transcript: string[] = [];
  let reports = 0;

  async function dataplane(...args: string[]): Promise<CliRun> {
    const run = await runDataplane([...args, "--config", config]);
    transcript.push(run.stdout, run.stderr);
    return run;
  }

  /** `dataplane replicate` from one vault to another with a report; the report's items by key. */
  async function replicate(
    source: string,
    target: string,
    ...args: string[]
  ): Promise<CliRun & { items: Map<string, ReportedItem> }> {
    const report = join(dir, `report-${++reports}.json`);
    const run = await dataplane(
      "replicate",
      "--source",
      join(dir, "resources", `${source}.json`),
      "--target",
      join(dir, "resources", `${target}.json`),
      "--report",
      report,
      "--checkpoint",
      join(dir, "checkpoints"),
      ...args,
    );
    let items = new Map<string, ReportedItem>();
    try {
      const text = readFileSync(report, "utf8");
      transcript.push(text);
      const parsed = JSON.parse(text) as { items: ReportedItem[] };
      items = new Map(parsed.items.map((i) => [i.key, i]));
    } catch {
      // no report: the run failed before writing one (the exit code says so)
    }
    return { ...run, items };
  }

  return { dataplane, replicate, transcript };
}
