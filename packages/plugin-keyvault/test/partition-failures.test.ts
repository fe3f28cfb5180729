import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ItemOutcome, ProgressEvent } from "@dataplane/core";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyVaultPlugin } from "../src/index.js";
import { type CliRun, runDataplane, writeCliFiles } from "./helpers/cli.js";
import { certificateSpecs, keySpecs, seedCertificates, seedKeys, seedVaultSettings } from "./helpers/seed.js";
import { capturingSession, sideAccess, startVaults, vaultConfig, vaultResource } from "./helpers/vaults.js";
import { clients } from "./helpers/verify.js";

// One kind that cannot be listed never stops the run (issue 11.3), and a server error that
// never heals fails its item within a documented bound (issue 11.4).

const SECRETS = 12;

let emulator: KeyVaultEmulator;
let dir: string;

const dataplane = (...args: string[]): Promise<CliRun> =>
  runDataplane(args, { DATAPLANE_STATE_DIR: join(dir, "state") });

const replicate = (target: string, ...extra: string[]) =>
  dataplane(
    "replicate",
    "--source",
    join(dir, "resources", "source-vault.json"),
    "--target",
    join(dir, "resources", `${target}.json`),
    "--config",
    join(dir, "dataplane.config.json"),
    "--no-progress",
    "--checkpoint",
    join(dir, `cp-${target}`),
    ...extra,
  );

async function contents(vault: string) {
  const c = clients(emulator, vault);
  // certificate-backed secrets and keys (managed) come with their certificate
  const names = async (it: AsyncIterable<{ name?: string; id?: string; managed?: boolean }>) => {
    const out: string[] = [];
    for await (const p of it) {
      const name = p.name ?? p.id?.split("/").pop();
      if (name && p.managed !== true) out.push(name);
    }
    return out.sort();
  };
  return {
    secrets: await names(c.secrets.listPropertiesOfSecrets()),
    keys: await names(c.keys.listPropertiesOfKeys()),
    certificates: await names(c.certificates.listPropertiesOfCertificates()),
    issuers: await names(c.certificates.listPropertiesOfIssuers()),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dp-kv-partitions-"));
  emulator = await startVaults([
    vaultConfig("source-vault"),
    vaultConfig("scratch-vault"),
    vaultConfig("target-issuers"),
    vaultConfig("target-certificates"),
    vaultConfig("target-500"),
  ]);
  for (let i = 0; i < SECRETS; i++) {
    emulator.seedSecret("source-vault", `app-secret-${String(i).padStart(2, "0")}`, `value-${i}`, {
      contentType: "text/plain",
    });
  }
  await seedKeys(emulator, "source-vault", keySpecs().slice(0, 3));
  await seedCertificates(emulator, "source-vault", certificateSpecs().slice(0, 2), "scratch-vault");
  await seedVaultSettings(emulator, "source-vault");
  writeCliFiles(
    emulator,
    dir,
    emulator.vaults.map((v) => v.name),
  );
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("one kind that cannot be listed", () => {
  it("the issuer listing fails (404): secrets, keys and certificates are copied, the issuers reported, --resume finishes", async () => {
    const source = await contents("source-vault");
    emulator.setFaults(
      { failures: [{ method: "GET", path: "/certificates/issuers", status: 404 }] },
      "source-vault",
    );
    const first = await replicate("target-issuers");
    emulator.setFaults(false, "source-vault");
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(
      /failed: certificate-issuer \(certificate issuers and contacts\): certificate issuers and contacts could not be listed; the items not yet listed were not attempted .*404/,
    );
    expect(first.stderr).not.toMatch(/\n\s+at /);
    const after = await contents("target-issuers");
    expect(after.secrets).toEqual(source.secrets);
    expect(after.keys).toEqual(source.keys);
    expect(after.certificates).toEqual(source.certificates);
    expect(after.issuers).toEqual([]);

    const resumed = await replicate("target-issuers", "--resume");
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await contents("target-issuers")).issuers).toEqual(source.issuers);
    expect(source.issuers.length).toBeGreaterThan(0);
  }, 120_000);

  it("the certificate listing is refused (403): everything else is copied, the refusal names the role, --resume finishes", async () => {
    const source = await contents("source-vault");
    emulator.setFaults(
      {
        failures: [
          {
            method: "GET",
            path: "/certificates",
            status: 403,
            code: "Forbidden",
            innerCode: "ForbiddenByRbac",
            message: "Caller is not authorized to perform action on resource.",
          },
        ],
      },
      "source-vault",
    );
    const first = await replicate("target-certificates");
    emulator.setFaults(false, "source-vault");
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(
      /failed: certificate \(certificates\): certificates could not be listed; .*the source source-vault .*denied access \(403 Forbidden\): it needs the role/,
    );
    const after = await contents("target-certificates");
    expect(after.secrets).toEqual(source.secrets);
    expect(after.keys).toEqual(source.keys);
    expect(after.issuers).toEqual(source.issuers);
    expect(after.certificates).toEqual([]);

    const resumed = await replicate("target-certificates", "--resume");
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await contents("target-certificates")).certificates).toEqual(source.certificates);
  }, 120_000);
});

describe("a server error that never heals", () => {
  it("fails its one item after the server-error budget, every wait capped; every other item succeeds", async () => {
    const broken = "app-secret-05";
    emulator.setFaults(
      { failures: [{ method: "PUT", path: `/secrets/${broken}`, status: 500 }] },
      "target-500",
    );
    const { session, events } = capturingSession();
    // a small cap, to see it applied; the budget is the default (3 retries of a server error)
    const capped = new (session.constructor as typeof import("@dataplane/core").Session)({
      logger: session.logger,
      redactor: session.redactor,
      progress: { emit: (e: ProgressEvent) => events.push(e) },
      governor: { baseDelayMs: 40, maxDelayMs: 100 },
    });
    const outcomes: ItemOutcome[] = [];
    const context = capped.replicateContext(sideAccess(emulator, "source"), sideAccess(emulator, "target"), {
      onOutcome: (_run, outcome) => outcomes.push(outcome),
    });
    const result = await keyVaultPlugin.replicate(
      vaultResource(emulator, "source-vault"),
      vaultResource(emulator, "target-500"),
      context,
    );
    emulator.setFaults(false, "target-500");

    expect(capped.governor.serverErrorRetries).toBe(3);
    expect(result.counts.failed).toBe(1);
    expect(result.errors[0]?.key).toContain(broken);
    expect(result.errors[0]?.code).toMatch(/InternalServerError|HTTP_500/);
    expect(outcomes.filter((o) => o.status === "failed").map((o) => o.key)).toEqual([result.errors[0]?.key]);
    expect(result.counts.created).toBe(result.counts.discovered - 1);

    const retries = events.filter(
      (e): e is Extract<ProgressEvent, { type: "retried" }> =>
        e.type === "retried" && e.operation.includes(broken),
    );
    // the governor's three retries, and none by the engine on top (budgets do not multiply)
    expect(retries.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(retries.every((e) => e.reason === "HTTP 500")).toBe(true);
    expect(retries.every((e) => e.delayMs <= 100)).toBe(true);
    expect(retries.at(-1)?.delayMs).toBeGreaterThan(40);
  }, 120_000);
});
