import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, runDataplane, writeCliFiles } from "./helpers/cli.js";
import { canary, keySpecs, type SeededVault, seedKeys, seedSecretSpecs, seedVault } from "./helpers/seed.js";
import { terraformProblems } from "./helpers/terraform.js";
import { startVaults, vaultConfig } from "./helpers/vaults.js";

let emulator: KeyVaultEmulator;
let seeded: SeededVault;
let dir: string;
let sourceHost: string;

const dataplane = (...args: string[]): Promise<CliRun> => runDataplane(args);

function readFolder(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(folder, path)] = readFileSync(path, "utf8");
    }
  };
  walk(folder);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dp-kv-generate-cli-"));
  emulator = await startVaults([
    vaultConfig("source-vault"),
    vaultConfig("scratch-vault"),
    vaultConfig("target-vault"),
  ]);
  seeded = await seedVault(emulator, "source-vault", "scratch-vault", { secrets: 30 });
  sourceHost = new URL(emulator.vaultUri("source-vault")).host;
  seedSecretSpecs(emulator, "target-vault", [
    { name: "app-secret-000", versions: [{ value: canary("target"), options: {} }] },
  ]);
  await seedKeys(emulator, "target-vault", keySpecs().slice(0, 1));
  writeCliFiles(emulator, dir, ["source-vault", "target-vault"]);
});

afterAll(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = () => ["--config", join(dir, "dataplane.config.json")];
const source = () => join(dir, "resources", "source-vault.json");

describe("dataplane generate on a vault with an issuer, contacts, keys and certificates", () => {
  it("writes Terraform that validates and is fmt-clean with every flag, never [REDACTED], never a secret", async () => {
    const discovered = await dataplane(
      "discover",
      join(dir, "resources", "target-vault.json"),
      ...config(),
      "--versions",
      "all",
      "--out",
      join(dir, "target-items.jsonl"),
    );
    expect(discovered.code, discovered.stderr).toBe(0);
    const runs: string[][] = [
      [],
      ["--certificate-import"],
      ["--azurerm-value", "--certificate-import"],
      ["--import-blocks", "--versions", "all"],
      ["--import-items", join(dir, "target-items.jsonl"), "--versions", "all"],
      ["--mode", "template"],
    ];
    for (const [n, flags] of runs.entries()) {
      const out = join(dir, `tf-${n}`);
      const run = await dataplane("generate", source(), ...config(), "--out", out, ...flags);
      const label = flags.join(" ") || "(defaults)";
      expect(run.code, `${label}: ${run.stderr}`).toBe(0);
      const files = readFolder(out);
      expect(Object.keys(files), label).toContain("certificate-settings.tf");
      expect(await terraformProblems(files, [sourceHost]), label).toEqual([]);
      const text = [run.stdout, run.stderr, ...Object.values(files)].join("\n");
      expect(text, label).not.toContain("[REDACTED]");
      expect(
        seeded.canaries.filter((c) => text.includes(c)),
        label,
      ).toEqual([]);
      expect(text, label).not.toMatch(/CANARY-|PRIVATE KEY/);
    }
    // The issuer's password and the PFX passwords are references, as generated.
    const settings = readFileSync(join(dir, "tf-1", "certificate-settings.tf"), "utf8");
    expect(settings).toMatch(/password\s+= var\.issuer_digicert_issuer_password/);
    const certificates = readFileSync(join(dir, "tf-1", "certificates.tf"), "utf8");
    expect(certificates).toMatch(/password = var\.certificate_web_pfx_a_password/);
    // --import-blocks alone: none written, and the CLI says why.
    expect(readdirSync(join(dir, "tf-3"))).not.toContain("imports.tf");
    const imports = readFileSync(join(dir, "tf-4", "imports.tf"), "utf8");
    expect(imports).toContain(new URL(emulator.vaultUri("target-vault")).host);
    expect(imports).not.toContain(sourceHost);
  });

  it("says why no import blocks were written without the target's items", async () => {
    const run = await dataplane(
      "generate",
      source(),
      ...config(),
      "--out",
      join(dir, "tf-why"),
      "--import-blocks",
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /warning: no import blocks were written: an import id must name the TARGET vault/,
    );
  });

  it("refuses the source vault's own discovery as --import-items (exit 2, nothing written)", async () => {
    const items = join(dir, "source-items.jsonl");
    const discovered = await dataplane(
      "discover",
      source(),
      ...config(),
      "--versions",
      "all",
      "--out",
      items,
    );
    expect(discovered.code, discovered.stderr).toBe(0);
    const out = join(dir, "tf-refused");
    const run = await dataplane("generate", source(), ...config(), "--out", out, "--import-items", items);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--import-items lists items of the source vault/);
    expect(() => readdirSync(out)).toThrow();
  });
});
