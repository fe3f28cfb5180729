import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, runDataplane, writeCliFiles } from "./helpers/cli.js";
import { keySpecs, type SeededSecretSpec, secretSpecs, seedKeys, seedSecretSpecs } from "./helpers/seed.js";
import { startVaults, vaultConfig } from "./helpers/vaults.js";
import { clients, readVaultSecrets } from "./helpers/verify.js";

let emulator: KeyVaultEmulator;
let dir: string;
let secrets: SeededSecretSpec[];
const transcript: string[] = [];

/** Runs the CLI as a user would, keeping what it printed for the leak checks. */
async function dataplane(...args: string[]): Promise<CliRun> {
  const run = await runDataplane(args);
  transcript.push(run.stdout, run.stderr);
  return run;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dp-kv-cli-"));
  emulator = await startVaults([vaultConfig("source-vault"), vaultConfig("target-vault")]);
  secrets = secretSpecs(40);
  seedSecretSpecs(emulator, "source-vault", secrets);
  await seedKeys(emulator, "source-vault", keySpecs().slice(0, 4));
  // What `dataplane emulators start` writes (writeEmulatorFiles): resource documents, the CA, the config.
  writeCliFiles(emulator, dir, ["source-vault", "target-vault"]);
});

afterAll(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = () => ["--config", join(dir, "dataplane.config.json")];
const source = () => join(dir, "resources", "source-vault.json");
const target = () => join(dir, "resources", "target-vault.json");

describe("the dataplane CLI with the keyvault plugin", () => {
  it("lists the plugin and surfaces its options", async () => {
    const plugins = await dataplane("plugins", "--json");
    expect(plugins.code, plugins.stderr).toBe(0);
    expect(plugins.stdout).toContain('"keyvault"');
    const help = await dataplane("replicate", "--help");
    expect(help.stdout).toContain("--key-strategy");
    expect(help.stdout).toContain("--purge-deleted");
  });

  it("discovers the vault's items as JSON lines", async () => {
    const run = await dataplane(
      "discover",
      source(),
      ...config(),
      "--json",
      "--out",
      join(dir, "items.jsonl"),
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; item?: { kind: string } });
    expect(lines.filter((l) => l.type === "item" && l.item?.kind === "secret")).toHaveLength(40);
    expect(lines.filter((l) => l.type === "item" && l.item?.kind === "key")).toHaveLength(4);
  });

  it("generates Terraform that parses", async () => {
    const out = join(dir, "tf");
    const run = await dataplane(
      "generate",
      source(),
      ...config(),
      "--out",
      out,
      "--items",
      join(dir, "items.jsonl"),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("variables to supply");
    for (const file of readdirSync(out).filter((f) => f.endsWith(".tf"))) {
      await expect(parse(file, readFileSync(join(out, file), "utf8"))).resolves.toBeTypeOf("object");
    }
    expect(readFileSync(join(out, "README.md"), "utf8")).toContain("What you must supply");
    const secrets = (await parse("secrets.tf", readFileSync(join(out, "secrets.tf"), "utf8"))) as {
      resource: { azurerm_key_vault_secret: Record<string, unknown> };
    };
    expect(Object.keys(secrets.resource.azurerm_key_vault_secret)).toHaveLength(40);
  });

  it("plans with --dry-run, replicates, and a second run writes nothing", async () => {
    const dry = await dataplane(
      "replicate",
      "--source",
      source(),
      "--target",
      target(),
      ...config(),
      "--dry-run",
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/secret\s+create\s+40/);
    expect((await readVaultSecrets(emulator, "target-vault")).size).toBe(0);

    const report = join(dir, "report.json");
    const run = await dataplane(
      "replicate",
      "--source",
      source(),
      "--target",
      target(),
      ...config(),
      "--report",
      report,
      "--checkpoint",
      join(dir, "checkpoints"),
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    transcript.push(readFileSync(report, "utf8"));
    for (const f of readdirSync(join(dir, "checkpoints")))
      transcript.push(readFileSync(join(dir, "checkpoints", f), "utf8"));
    const copied = await readVaultSecrets(emulator, "target-vault");
    for (const spec of secrets.filter((s) => s.versions.at(-1)!.options.enabled !== false)) {
      expect(copied.get(spec.name)?.at(-1)?.value, spec.name).toBe(spec.versions.at(-1)!.value);
    }

    emulator.resetStats("target-vault");
    const again = await dataplane(
      "replicate",
      "--source",
      source(),
      "--target",
      target(),
      ...config(),
      "--json",
    );
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout.trim().split("\n").at(-1)!) as {
      results: { counts: { created: number; updated: number; discovered: number; skipped: number } }[];
    };
    expect(summary.results[0]!.counts).toMatchObject({ created: 0, updated: 0, skipped: 44 });
    expect(emulator.stats("target-vault").secretVersionsCreated).toBe(0);
  });

  it("mirror mode: a dry run shows the deletions, --delete-extraneous soft-deletes them (never purges)", async () => {
    // the target holds what the source no longer has
    const dst = clients(emulator, "target-vault");
    for (const name of ["retired-a", "retired-b"]) await dst.secrets.setSecret(name, `CANARY-${name}`);
    await dst.keys.createRsaKey("retired-key");
    const args = ["replicate", "--source", source(), "--target", target(), ...config()];
    const dry = await dataplane(...args, "--dry-run", "--delete-extraneous");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/secret\s+delete\s+2/);
    expect(dry.stdout).toMatch(/key\s+delete\s+1/);
    expect((await dst.secrets.getSecret("retired-a")).value).toBe("CANARY-retired-a");

    const plain = await dataplane(...args, "--json");
    expect(plain.code, plain.stderr).toBe(0);
    expect((await dst.keys.getKey("retired-key")).name).toBe("retired-key");

    const mirror = await dataplane(...args, "--delete-extraneous", "--json");
    expect(mirror.code, mirror.stderr).toBe(0);
    const summary = JSON.parse(mirror.stdout.trim().split("\n").at(-1)!) as {
      results: { counts: { deleted: number; created: number; failed: number } }[];
    };
    expect(summary.results[0]!.counts).toMatchObject({ deleted: 3, created: 0, failed: 0 });
    const deleted: string[] = [];
    for await (const d of dst.secrets.listDeletedSecrets()) deleted.push(d.name);
    expect(deleted.sort()).toEqual(["retired-a", "retired-b"]);
    await expect(dst.secrets.getSecret("retired-a")).rejects.toMatchObject({ statusCode: 404 });
    // soft-deleted, recoverable: not purged
    expect((await dst.keys.getDeletedKey("retired-key")).name).toBe("retired-key");
    // every secret the source has is still there
    const left = await readVaultSecrets(emulator, "target-vault");
    for (const spec of secrets.filter((s) => s.versions.at(-1)!.options.enabled !== false))
      expect(left.has(spec.name), spec.name).toBe(true);
  });

  it("never prints a secret value", () => {
    const all = transcript.join("\n");
    expect(all.length).toBeGreaterThan(1000);
    for (const spec of secrets) for (const v of spec.versions) expect(all.includes(v.value)).toBe(false);
    expect(all).not.toMatch(/CANARY-/);
  });
});
