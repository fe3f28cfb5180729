import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CertificateItem,
  type KeyItem,
  type KeyVaultItem,
  keyVaultPlugin,
  type SecretItem,
} from "../src/index.js";
import { LONGEST_NAME, type SeededVault, seedVault } from "./helpers/seed.js";
import {
  capturingSession,
  collect,
  sideAccess,
  startVaults,
  vaultConfig,
  vaultResource,
} from "./helpers/vaults.js";
import { clients } from "./helpers/verify.js";

let emulator: KeyVaultEmulator;
let seeded: SeededVault;
let latest: KeyVaultItem[];
let all: KeyVaultItem[];

async function discover(options: Record<string, string> = {}): Promise<KeyVaultItem[]> {
  const { session } = capturingSession();
  const context = session.discoverContext(sideAccess(emulator, "source"), options);
  return (await collect(
    keyVaultPlugin.discover(vaultResource(emulator, "source-vault"), context),
  )) as KeyVaultItem[];
}

const iso = (d: Date | undefined) => d?.toISOString();

beforeAll(async () => {
  emulator = await startVaults([vaultConfig("source-vault"), vaultConfig("scratch-vault")]);
  seeded = await seedVault(emulator, "source-vault", "scratch-vault");
  emulator.resetStats("source-vault");
  latest = await discover();
  all = await discover({ versions: "all" });
});

afterAll(() => emulator?.stop());

function ofKind<K extends KeyVaultItem["kind"]>(items: KeyVaultItem[], kind: K) {
  return items.filter((i): i is Extract<KeyVaultItem, { kind: K }> => i.kind === kind);
}

describe("discover", () => {
  it("streams every item: 200 secrets, 20 keys, 10 certificates, 1 issuer, the contacts", () => {
    const counts: Record<string, number> = {};
    for (const item of latest) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
    expect(counts).toEqual({
      secret: 200,
      key: 20,
      certificate: 10,
      "certificate-issuer": 1,
      "certificate-contacts": 1,
    });
    expect(new Set(latest.map((i) => i.key)).size).toBe(latest.length);
  });

  it("returns an async iterable, not an array", () => {
    const { session } = capturingSession();
    const stream = keyVaultPlugin.discover(
      vaultResource(emulator, "source-vault"),
      session.discoverContext(sideAccess(emulator, "source")),
    );
    expect(Array.isArray(stream)).toBe(false);
    expect(typeof stream[Symbol.asyncIterator]).toBe("function");
  });

  it("reads no secret value, no backup and no certificate PFX", () => {
    const stats = emulator.stats("source-vault");
    for (const op of ["GetSecret", "BackupSecret", "BackupKey", "BackupCertificate"]) {
      expect(stats.operations[op]?.requests ?? 0, op).toBe(0);
    }
    expect(JSON.stringify([latest, all])).not.toMatch(/CANARY-|PRIVATE KEY/);
  });

  it("lists the secrets that back certificates under their certificate, not as secrets", () => {
    const secretNames = new Set(ofKind(latest, "secret").map((s) => s.name));
    for (const c of seeded.certificates) expect(secretNames.has(c.name), c.name).toBe(false);
    const keyNames = new Set(ofKind(latest, "key").map((k) => k.name));
    for (const c of seeded.certificates) expect(keyNames.has(c.name), c.name).toBe(false);
  });

  it("gives every secret's attributes exactly, disabled ones included", () => {
    const byName = new Map(ofKind(latest, "secret").map((s) => [s.name, s] as const));
    for (const spec of seeded.secrets) {
      const item = byName.get(spec.name) as SecretItem;
      expect(item, spec.name).toBeDefined();
      const current = spec.versions.at(-1)!.options;
      expect(item.key).toBe(`secret/${spec.name}`);
      expect(item.properties.enabled, spec.name).toBe(current.enabled !== false);
      expect(item.properties.contentType, spec.name).toBe(current.contentType);
      expect(item.properties.tags, spec.name).toEqual(current.tags ?? {});
      expect(item.properties.notBefore, spec.name).toBe(iso(current.notBefore));
      expect(item.properties.expiresOn, spec.name).toBe(iso(current.expiresOn));
      expect(item.properties.createdOn, spec.name).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(item.properties.updatedOn, spec.name).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(item.properties.recoveryLevel).toBe("Recoverable+Purgeable");
    }
    expect(byName.get(LONGEST_NAME)?.name).toHaveLength(127);
    expect(ofKind(latest, "secret").filter((s) => !s.properties.enabled)).toHaveLength(5);
  });

  it("lists every version with --versions all, the current one last", async () => {
    const src = clients(emulator, "source-vault").secrets;
    const byName = new Map(ofKind(all, "secret").map((s) => [s.name, s] as const));
    // Seeded versions share a creation second, and the service lists versions by id: the order of
    // the older ones is by id then. The current one is known from the secret listing's attributes.
    const unordered = (list: [Record<string, string>, boolean][]) =>
      list.map(([tags, enabled]) => JSON.stringify([Object.entries(tags).sort(), enabled])).sort();
    for (const spec of seeded.secrets) {
      const item = byName.get(spec.name)!;
      const versions = item.properties.versions!;
      expect(unordered(versions.map((v) => [v.tags, v.enabled])), spec.name).toEqual(
        unordered(spec.versions.map((v) => [v.options.tags ?? {}, v.options.enabled !== false])),
      );
      const current = spec.versions.at(-1)!;
      expect(versions.at(-1)!.tags, spec.name).toEqual(current.options.tags ?? {});
      expect(item.properties.version, spec.name).toBe(versions.at(-1)!.version);
      if (current.options.enabled !== false) {
        // (GET reads the value: the test may, discovery does not.)
        expect(item.properties.version, spec.name).toBe((await src.getSecret(spec.name)).properties.version);
      }
      expect(item.properties.id).toMatch(new RegExp(`/secrets/${spec.name}/${item.properties.version}$`));
    }
  });

  it("gives each key's type, size or curve, operations, HSM flag, tags, dates and rotation policy", async () => {
    const byName = new Map(ofKind(latest, "key").map((k) => [k.name, k] as const));
    const src = clients(emulator, "source-vault").keys;
    for (const spec of seeded.keys) {
      const item = byName.get(spec.name) as KeyItem;
      expect(item, spec.name).toBeDefined();
      const p = item.properties;
      expect(p.keyType, spec.name).toBe(spec.keyType);
      expect(p.keySize, spec.name).toBe(spec.keySize);
      expect(p.curve, spec.name).toBe(spec.curve);
      expect(p.hsm, spec.name).toBe(spec.keyType.endsWith("-HSM"));
      expect(p.enabled, spec.name).toBe(spec.enabled !== false);
      expect(p.tags, spec.name).toEqual(spec.tags ?? {});
      expect(p.expiresOn, spec.name).toBe(iso(spec.expiresOn));
      expect(p.exportable).toBe(false);
      const actual = await src.getKey(spec.name);
      expect([...p.keyOps].sort(), spec.name).toEqual([...(actual.keyOperations ?? [])].sort());
      if (spec.keyOps) expect([...p.keyOps].sort()).toEqual([...spec.keyOps].sort());
      if (spec.rotationPolicy) {
        expect(p.rotationPolicy?.expiresIn).toBe(spec.rotationPolicy.expiresIn);
        expect(p.rotationPolicy?.lifetimeActions).toEqual(spec.rotationPolicy.lifetimeActions);
      } else {
        // the service's default answer for a key without a policy is not a policy
        expect(p.rotationPolicy, spec.name).toBeUndefined();
      }
    }
  });

  it("gives each certificate's policy, thumbprint and validity", async () => {
    const byName = new Map(ofKind(latest, "certificate").map((c) => [c.name, c] as const));
    const src = clients(emulator, "source-vault").certificates;
    for (const spec of seeded.certificates) {
      const item = byName.get(spec.name) as CertificateItem;
      const actual = await src.getCertificate(spec.name);
      const p = item.properties;
      expect(p.thumbprint, spec.name).toBe(actual.properties.x509ThumbprintString?.toLowerCase());
      expect(p.thumbprint, spec.name).toMatch(/^[0-9a-f]{40}$/);
      expect(p.notBefore, spec.name).toBe(iso(actual.properties.notBefore));
      expect(p.expiresOn, spec.name).toBe(iso(actual.properties.expiresOn));
      expect(p.policy.exportable, spec.name).toBe(spec.exportable);
      expect(p.policy.contentType, spec.name).toBe(spec.contentType);
      expect(p.policy.issuerName, spec.name).toBe(spec.imported ? "Unknown" : "Self");
      expect(p.policy.subject, spec.name).toBe(`CN=${spec.name}.example.test`);
      expect(p.policy.subjectAlternativeNames?.dnsNames, spec.name).toEqual([
        `${spec.name}.example.test`,
        `www.${spec.name}.example.test`,
      ]);
      expect(p.policy.keyType).toBe("RSA");
      expect(p.policy.keySize).toBeGreaterThanOrEqual(2048);
      if (!spec.imported) {
        expect(p.policy.lifetimeActions).toEqual([{ action: "AutoRenew", daysBeforeExpiry: 30 }]);
        expect(p.policy.enhancedKeyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
      }
      expect(p.tags).toEqual(actual.properties.tags);
    }
  });

  it("gives the certificate issuer and the contacts", () => {
    const issuer = ofKind(latest, "certificate-issuer")[0]!;
    expect(issuer.name).toBe("digicert-issuer");
    expect(issuer.properties).toMatchObject({
      provider: "DigiCert",
      accountId: "acct-123",
      organizationId: "org-9",
      administratorContacts: [
        { firstName: "Ada", lastName: "Admin", email: "ada@example.test", phone: "555-0100" },
      ],
    });
    const contacts = ofKind(latest, "certificate-contacts")[0]!;
    expect(contacts.properties.contacts).toHaveLength(2);
  });

  it("holds only JSON values (dates as ISO strings)", () => {
    for (const item of [...latest, ...all]) {
      expect(JSON.parse(JSON.stringify(item))).toStrictEqual(item);
    }
  });
});
