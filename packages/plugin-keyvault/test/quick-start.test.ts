import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, expect, it } from "vitest";
import { secretSpecs, seedSecretSpecs } from "./helpers/seed.js";
import { startVaults, vaultConfig, vaultResource } from "./helpers/vaults.js";
import { readVaultSecrets } from "./helpers/verify.js";

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), "..");

let emulator: KeyVaultEmulator;
let dir: string;
let count: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dp-kv-quick-start-"));
  emulator = await startVaults([vaultConfig("source-vault"), vaultConfig("target-vault")]);
  const specs = secretSpecs(25);
  count = specs.length;
  seedSecretSpecs(emulator, "source-vault", specs);
  // The layout `dataplane emulators start` writes.
  mkdirSync(join(dir, "resources"), { recursive: true });
  writeFileSync(join(dir, "ca.pem"), emulator.caCertificatePem ?? "");
  for (const name of ["source-vault", "target-vault"]) {
    writeFileSync(join(dir, "resources", `${name}.json`), JSON.stringify(vaultResource(emulator, name)));
  }
});

afterAll(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("examples/quick-start.ts runs as written against the emulator", async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (done, fail) => {
      const child = spawn(process.execPath, ["examples/quick-start.ts"], {
        cwd: PACKAGE,
        env: { ...process.env, DATAPLANE_EMULATORS_DIR: dir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      child.on("error", fail);
      child.on("close", (c) => done({ code: c, stdout: out, stderr: err }));
    },
  );
  expect(code, stderr).toBe(0);
  expect(stdout).toContain(`discovered ${count} items`);
  expect(stdout).toMatch(new RegExp(`generated .*secrets\\.tf.*README\\.md; ${count + 2} variables`));
  expect(stdout).toContain(`replicated: ${count} created, 0 updated, 0 skipped, 0 failed`);
  expect((await readVaultSecrets(emulator, "target-vault")).size).toBe(count);
});
