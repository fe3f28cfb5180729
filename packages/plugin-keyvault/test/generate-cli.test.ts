// `dataplane generate` through the CLI, as a user runs it, on a vault with a certificate issuer,
// contacts, RSA and EC keys and certificates: every flag's output validates against the azurerm
// 5.2 schema and the provider's rules, is `terraform fmt` output, holds no secret value and no
// `[REDACTED]`, and no import id names the source vault.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, keySpecs, type SeededVault, seedKeys, seedSecretSpecs, seedVault } from "./helpers/seed.js";
import { terraformProblems } from "./helpers/terraform.js";
import { startVaults, vaultConfig, vaultResource } from "./helpers/vaults.js";

const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = join(WORKSPACE, "packages/cli/dist/bin.js");
const PLUGIN = "packages/plugin-keyvault";

let emulator: KeyVaultEmulator;
let seeded: SeededVault;
let dir: string;
let sourceHost: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function dataplane(...args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args, "--plugin", PLUGIN], {
      cwd: WORKSPACE,
      env: { ...process.env, NO_COLOR: "1", DATAPLANE_PLUGINS: "" },
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
  mkdirSync(join(dir, "resources"), { recursive: true });
  writeFileSync(join(dir, "ca.pem"), emulator.caCertificatePem ?? "");
  for (const name of ["source-vault", "target-vault"]) {
    writeFileSync(
      join(dir, "resources", `${name}.json`),
      JSON.stringify(vaultResource(emulator, name), null, 2),
    );
  }
  const side = { credential: { type: "static-token", token: "emulator" }, local: true, caFile: "ca.pem" };
  writeFileSync(
    join(dir, "dataplane.config.json"),
    JSON.stringify({ sides: { source: side, target: side } }),
  );
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
