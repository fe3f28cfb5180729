import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileJournal, type ReplicationResult, ReportWriter } from "@dataplane/core";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyVaultPlugin, PLACEHOLDER_TAG, PLACEHOLDER_VALUE } from "../src/index.js";
import { type SeededVault, seedVault } from "./helpers/seed.js";
import { capturingSession, sideAccess, startVaults, vaultConfig, vaultResource } from "./helpers/vaults.js";
import { clients, readVaultSecrets } from "./helpers/verify.js";

let emulator: KeyVaultEmulator;
let seeded: SeededVault;
let workDir: string;
/** Everything the runs wrote that a user or an operator could see. */
const outputs: string[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "dp-kv-replicate-"));
  emulator = await startVaults([
    vaultConfig("source-vault"),
    vaultConfig("scratch-vault"),
    vaultConfig("target-vault"),
    vaultConfig("target-all"),
    vaultConfig("target-dry"),
    vaultConfig("target-template"),
    vaultConfig("target-geo", { location: "westeurope" }),
    vaultConfig("target-deleted", { purgeProtection: true }),
    vaultConfig("target-purge"),
  ]);
  seeded = await seedVault(emulator, "source-vault", "scratch-vault");
});

afterAll(async () => {
  await emulator?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** One replicate call with a report and a checkpoint journal, everything captured for leak checks. */
async function replicate(
  target: string,
  run: {
    mode?: "template" | "replication";
    dryRun?: boolean;
    options?: Record<string, string | boolean>;
  } = {},
): Promise<ReplicationResult> {
  const { session, redactor, lines, events } = capturingSession();
  const reportPath = join(workDir, `report-${target}-${outputs.length}.json`);
  const report = new ReportWriter(reportPath, redactor);
  const context = session.replicateContext(sideAccess(emulator, "source"), sideAccess(emulator, "target"), {
    ...(run.mode ? { mode: run.mode } : {}),
    ...(run.dryRun ? { dryRun: true } : {}),
    options: { ...run.options },
    onOutcome: (r, outcome) => report.record(r, outcome),
    checkpoint: (identity) =>
      FileJournal.open(join(workDir, `journal-${target}-${outputs.length}.jsonl`), identity, {
        resume: false,
        redactor,
      }),
  });
  const result = await keyVaultPlugin.replicate(
    vaultResource(emulator, "source-vault"),
    vaultResource(emulator, target),
    context,
  );
  await report.finish({}, [result]);
  outputs.push(
    lines.join("\n"),
    JSON.stringify(events),
    JSON.stringify(result),
    readFileSync(reportPath, "utf8"),
  );
  return result;
}

function failures(result: ReplicationResult): string {
  return JSON.stringify(result.errors, null, 2);
}

describe("replicate into a vault of the same subscription and geography", () => {
  let first: ReplicationResult;

  beforeAll(async () => {
    first = await replicate("target-vault");
  });

  it("copies every item with no failure", () => {
    expect(first.counts.failed, failures(first)).toBe(0);
    expect(first.byKind.secret).toMatchObject({ discovered: 200, created: 200, failed: 0 });
    expect(first.byKind.key).toMatchObject({ discovered: 20, created: 20 });
    expect(first.byKind.certificate).toMatchObject({ discovered: 10, created: 10 });
    expect(first.byKind["certificate-issuer"]).toMatchObject({ discovered: 1, created: 1 });
    expect(first.byKind["certificate-contacts"]).toMatchObject({ discovered: 1, created: 1 });
  });

  it("reproduces every secret's current value and attributes, item by item", async () => {
    const target = await readVaultSecrets(emulator, "target-vault", { readDisabled: true });
    expect(target.size).toBe(seeded.secrets.length);
    for (const spec of seeded.secrets) {
      const versions = target.get(spec.name);
      expect(versions, spec.name).toBeDefined();
      const current = versions!.at(-1)!;
      const expected = spec.versions.at(-1)!;
      expect(current.value, spec.name).toBe(expected.value);
      expect(current.enabled, spec.name).toBe(expected.options.enabled !== false);
      expect(current.contentType, spec.name).toBe(expected.options.contentType);
      expect(current.tags, spec.name).toEqual(expected.options.tags ?? {});
      expect(current.notBefore, spec.name).toBe(
        expected.options.notBefore ? expected.options.notBefore.getTime() / 1000 : undefined,
      );
      expect(current.expiresOn, spec.name).toBe(
        expected.options.expiresOn ? expected.options.expiresOn.getTime() / 1000 : undefined,
      );
    }
  });

  it("copies disabled secrets by backup/restore, all their versions, still disabled", async () => {
    const target = await readVaultSecrets(emulator, "target-vault");
    for (const spec of seeded.secrets.filter((s) => s.versions.at(-1)!.options.enabled === false)) {
      const versions = target.get(spec.name)!;
      expect(versions.map((v) => v.enabled)).toEqual(spec.versions.map((v) => v.options.enabled !== false));
    }
    expect(emulator.stats("target-vault").itemsRestored).toBeGreaterThanOrEqual(5);
  });

  it("restores keys with the same key material, parameters, tags and rotation policy", async () => {
    const src = clients(emulator, "source-vault");
    const dst = clients(emulator, "target-vault");
    for (const spec of seeded.keys) {
      const [a, b] = await Promise.all([src.keys.getKey(spec.name), dst.keys.getKey(spec.name)]);
      expect(b.properties.version, spec.name).toBe(a.properties.version);
      expect(b.keyType, spec.name).toBe(spec.keyType);
      expect(Buffer.from(b.key?.n ?? b.key?.x ?? []).toString("hex"), spec.name).toBe(
        Buffer.from(a.key?.n ?? a.key?.x ?? []).toString("hex"),
      );
      expect(b.properties.enabled, spec.name).toBe(spec.enabled !== false);
      expect(b.properties.tags ?? {}, spec.name).toEqual(spec.tags ?? {});
      if (spec.rotationPolicy) {
        const policy = await dst.keys.getKeyRotationPolicy(spec.name);
        expect(policy.expiresIn).toBe(spec.rotationPolicy.expiresIn);
        expect(policy.lifetimeActions).toEqual(expect.arrayContaining(spec.rotationPolicy.lifetimeActions!));
      }
    }
  });

  it("copies certificates: exportable ones imported with the private key, the others restored", async () => {
    const src = clients(emulator, "source-vault");
    const dst = clients(emulator, "target-vault");
    for (const spec of seeded.certificates) {
      const [a, b] = await Promise.all([
        src.certificates.getCertificate(spec.name),
        dst.certificates.getCertificate(spec.name),
      ]);
      expect(b.properties.x509ThumbprintString, spec.name).toBe(a.properties.x509ThumbprintString);
      expect(b.policy?.exportable, spec.name).toBe(spec.exportable);
      expect(b.policy?.contentType, spec.name).toBe(spec.contentType);
      expect(b.policy?.subject, spec.name).toBe(a.policy?.subject);
      expect(b.policy?.lifetimeActions, spec.name).toEqual(a.policy?.lifetimeActions);
      expect(b.properties.tags, spec.name).toEqual(a.properties.tags);
      if (spec.exportable) {
        const secret = await dst.secrets.getSecret(spec.name);
        const original = await src.secrets.getSecret(spec.name);
        expect(secret.value?.length ?? 0).toBeGreaterThan(0);
        if (spec.contentType === "application/x-pem-file") {
          expect(secret.value).toContain("PRIVATE KEY");
          expect(secret.value).toBe(original.value);
        }
      }
    }
  });

  it("copies certificate issuers and contacts", async () => {
    const dst = clients(emulator, "target-vault");
    const issuer = await dst.certificates.getIssuer("digicert-issuer");
    expect(issuer.provider).toBe("DigiCert");
    expect(issuer.accountId).toBe("acct-123");
    expect(issuer.administratorContacts?.[0]?.email).toBe("ada@example.test");
    const contacts = await dst.certificates.getContacts();
    expect(contacts?.map((c) => c?.email).sort()).toEqual(["oncall@example.test", "pki@example.test"]);
    expect(first.warnings.join("\n")).toContain("issuer digicert-issuer");
  });

  it("writes nothing on a re-run: no version, key, certificate or restore", async () => {
    emulator.resetStats("target-vault");
    const again = await replicate("target-vault");
    expect(again.counts.failed, failures(again)).toBe(0);
    // Every item compared equal: not one conflict, update or create.
    for (const [kind, actions] of Object.entries(again.plan)) {
      expect(Object.keys(actions), kind).toEqual(["skip-unchanged"]);
    }
    expect(again.plan.secret?.["skip-unchanged"]).toBe(200);
    const stats = emulator.stats("target-vault");
    expect(stats.secretVersionsCreated).toBe(0);
    expect(stats.keyVersionsCreated).toBe(0);
    expect(stats.certificateVersionsCreated).toBe(0);
    expect(stats.itemsRestored).toBe(0);
    const writes = Object.entries(stats.operations).filter(([op]) => !/^Get/.test(op));
    expect(writes, JSON.stringify(writes)).toEqual([]);
  });

  it("updates a stale copy, updates attributes in place, and reports a foreign value as a conflict", async () => {
    const src = clients(emulator, "source-vault").secrets;
    const dst = clients(emulator, "target-vault").secrets;
    // stale: the source moves on
    await src.setSecret("app-secret-001", "CANARY-newer-value-for-001", { tags: {} });
    // attributes only
    const current = await dst.getSecret("app-secret-002");
    await dst.updateSecretProperties("app-secret-002", current.properties.version!, {
      tags: { drift: "yes" },
    });
    // a value the source never had
    await dst.setSecret("app-secret-004", "CANARY-foreign-value-in-target");
    emulator.resetStats("target-vault");
    const result = await replicate("target-vault");
    expect(result.counts.failed, failures(result)).toBe(0);
    expect(result.plan.secret).toMatchObject({ update: 2, conflict: 1 });
    expect((await dst.getSecret("app-secret-001")).value).toBe("CANARY-newer-value-for-001");
    expect((await dst.getSecret("app-secret-002")).properties.tags).toEqual({});
    expect((await dst.getSecret("app-secret-004")).value).toBe("CANARY-foreign-value-in-target");
    // the attribute fix wrote no version; the stale copy wrote exactly one
    expect(emulator.stats("target-vault").secretVersionsCreated).toBe(1);
  });
});

describe("modes and options", () => {
  it("--versions all writes every readable version, oldest first, and re-runs write nothing", async () => {
    const result = await replicate("target-all", { options: { versions: "all" } });
    expect(result.counts.failed, failures(result)).toBe(0);
    const target = await readVaultSecrets(emulator, "target-all", { readDisabled: true });
    for (const spec of seeded.secrets.filter((s) => s.versions.length > 1)) {
      // Secrets with a disabled older version are restored from a backup (every version, as is);
      // the others are written version by version, the current one last. (The seeded versions
      // share a creation second, so the order of the older ones is by version id.)
      const values = target.get(spec.name)!.map((v) => v.value);
      expect(values.at(-1), spec.name).toBe(spec.versions.at(-1)!.value);
      expect([...values].sort(), spec.name).toEqual(spec.versions.map((v) => v.value).sort());
    }
    emulator.resetStats("target-all");
    const again = await replicate("target-all", { options: { versions: "all" } });
    expect(again.plan.secret, JSON.stringify(again.plan)).toEqual({ "skip-unchanged": 200 });
    expect(emulator.stats("target-all").secretVersionsCreated).toBe(0);
  });

  it("a dry run plans everything and changes nothing on the target", async () => {
    emulator.resetStats("target-dry");
    const result = await replicate("target-dry", { dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.plan.secret?.create).toBe(200);
    expect(result.plan.key?.create).toBe(20);
    expect(result.counts.created + result.counts.updated).toBe(0);
    const stats = emulator.stats("target-dry");
    const writes = Object.entries(stats.operations).filter(([op]) => !/^Get/.test(op));
    expect(writes, JSON.stringify(writes)).toEqual([]);
    expect((await readVaultSecrets(emulator, "target-dry")).size).toBe(0);
  });

  it("template mode writes placeholders, tagged, and reads no secret value anywhere", async () => {
    emulator.resetStats("source-vault");
    const result = await replicate("target-template", { mode: "template" });
    expect(result.counts.failed, failures(result)).toBe(0);
    expect(result.byKind.secret?.created).toBe(200);
    const source = emulator.stats("source-vault");
    expect(source.operations.GetSecret?.requests ?? 0).toBe(0);
    expect(source.operations.BackupSecret?.requests ?? 0).toBe(0);
    expect(source.operations.BackupKey?.requests ?? 0).toBe(0);
    expect(source.operations.BackupCertificate?.requests ?? 0).toBe(0);
    const target = await readVaultSecrets(emulator, "target-template", { readDisabled: true });
    for (const spec of seeded.secrets) {
      const current = target.get(spec.name)!.at(-1)!;
      expect(current.value, spec.name).toBe(PLACEHOLDER_VALUE);
      expect(current.tags[PLACEHOLDER_TAG], spec.name).toBe("true");
    }
    const keys = clients(emulator, "target-template").keys;
    const rsa = await keys.getKey("rsa-3072-a");
    expect(rsa.keyType).toBe("RSA");
    expect(rsa.key?.n?.length).toBe(384);
    expect(result.warnings.join("\n")).toMatch(/20 keys were re-created with NEW key material/);
  });

  it("across geographies: keys re-created (new key material, reported), disabled secrets skipped with a reason", async () => {
    const result = await replicate("target-geo");
    expect(result.counts.failed, failures(result)).toBe(0);
    expect(result.warnings.join("\n")).toMatch(/20 keys were re-created with NEW key material/);
    expect(result.byKind.secret?.skipped).toBe(5);
    const dst = clients(emulator, "target-geo");
    const src = clients(emulator, "source-vault");
    for (const name of ["rsa-4096-a", "ec-p521-a", "ec-hsm-p384-a"]) {
      const [a, b] = await Promise.all([src.keys.getKey(name), dst.keys.getKey(name)]);
      expect(b.keyType).toBe(a.keyType);
      expect(b.key?.crv).toBe(a.key?.crv);
      expect(b.key?.n?.length).toBe(a.key?.n?.length);
      expect(b.properties.version).not.toBe(a.properties.version);
    }
    // non-exportable certificates: re-created from the policy; exportable: same certificate
    const locked = await dst.certificates.getCertificate("locked-pfx-a");
    expect(locked.policy?.exportable).toBe(false);
    const web = await Promise.all([
      src.certificates.getCertificate("web-pfx-a"),
      dst.certificates.getCertificate("web-pfx-a"),
    ]);
    expect(web[1].properties.x509ThumbprintString).toBe(web[0].properties.x509ThumbprintString);
    const again = await replicate("target-geo");
    expect(again.counts.created + again.counts.updated, JSON.stringify(again.plan)).toBe(0);
    expect(again.plan.key, JSON.stringify(again.plan)).toEqual({ "skip-unchanged": 20 });
    expect(again.plan.certificate, JSON.stringify(again.plan)).toEqual({ "skip-unchanged": 10 });
  });

  it("recovers soft-deleted target names instead of failing (purge protection respected)", async () => {
    const dst = clients(emulator, "target-deleted");
    await dst.secrets.setSecret("app-secret-010", "CANARY-old-deleted-value");
    await dst.secrets.setSecret("versioned-1", "CANARY-old-deleted-value-2");
    await dst.keys.createKey("ec-p256-a", "EC", { curve: "P-256" });
    await (await dst.secrets.beginDeleteSecret("app-secret-010")).pollUntilDone();
    await (await dst.secrets.beginDeleteSecret("versioned-1")).pollUntilDone();
    await (await dst.keys.beginDeleteKey("ec-p256-a")).pollUntilDone();
    const result = await replicate("target-deleted", { options: { "purge-deleted": true } });
    expect(result.counts.failed, failures(result)).toBe(0);
    expect((await dst.secrets.getSecret("app-secret-010")).value).toBe(
      seeded.secrets.find((s) => s.name === "app-secret-010")!.versions.at(-1)!.value,
    );
    expect((await dst.secrets.getSecret("versioned-1")).value).toBe(
      seeded.secrets.find((s) => s.name === "versioned-1")!.versions.at(-1)!.value,
    );
    expect(emulator.stats("target-deleted").itemsRecovered).toBe(3);
    expect(result.warnings.join("\n")).toMatch(/purge protection/);
  });

  it("purges soft-deleted target names with --purge-deleted when the vault allows it", async () => {
    const dst = clients(emulator, "target-purge");
    await dst.secrets.setSecret("app-secret-011", "CANARY-old-deleted-value-3");
    await (await dst.secrets.beginDeleteSecret("app-secret-011")).pollUntilDone();
    const result = await replicate("target-purge", { options: { "purge-deleted": true } });
    expect(result.counts.failed, failures(result)).toBe(0);
    expect(emulator.stats("target-purge").itemsPurged).toBe(1);
    const versions = (await readVaultSecrets(emulator, "target-purge")).get("app-secret-011")!;
    expect(versions).toHaveLength(1);
  });
});

describe("secret values never leak", () => {
  it("no canary appears in logs, progress events, results, reports or journals", () => {
    const journals = readdirSync(workDir)
      .filter((f) => f.startsWith("journal-"))
      .map((f) => readFileSync(join(workDir, f), "utf8"));
    expect(journals.length).toBeGreaterThan(0);
    const everything = [...outputs, ...journals].join("\n");
    expect(everything.length).toBeGreaterThan(10_000);
    const leaked = seeded.canaries.filter((c) => everything.includes(c));
    expect(leaked).toEqual([]);
    expect(everything).not.toMatch(/CANARY-/);
    // Nothing secret was even offered to the output: the redactor had nothing to mask.
    expect(everything).not.toContain("[REDACTED]");
    expect(everything).not.toMatch(/PRIVATE KEY/);
  });
});
