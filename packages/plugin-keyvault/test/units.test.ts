import type { AzureResource } from "@dataplane/core";
import { PluginRegistry } from "@dataplane/core";
import { describe, expect, it } from "vitest";
import { importIdOf } from "../src/generate/imports.js";
import {
  classifyRequest,
  KEY_VAULT_LIMITS,
  keyVaultPlugin,
  LimitClass,
  OPTION_SPECS,
  PERMISSIONS,
  readOptions,
  register,
} from "../src/index.js";
import { attributeChanges, secretAttributesOf, secretDigest } from "../src/replicate/secret-values.js";
import { backupPlacement } from "../src/vault/placement.js";

const request = (method: string, path: string) => ({
  method,
  url: new URL(`https://v.vault.azure.net${path}`),
});

describe("request classes (the service's per-vault limits)", () => {
  it("counts secret writes against secret CREATE and everything else against the other secret limit", () => {
    expect(classifyRequest(request("PUT", "/secrets/a"))).toEqual([LimitClass.SecretCreate]);
    expect(classifyRequest(request("GET", "/secrets/a"))).toEqual([LimitClass.SecretOther]);
    expect(classifyRequest(request("PATCH", "/secrets/a/123"))).toEqual([LimitClass.SecretOther]);
    expect(classifyRequest(request("POST", "/secrets/restore"))).toEqual([LimitClass.SecretOther]);
    expect(classifyRequest(request("POST", "/deletedsecrets/a/recover"))).toEqual([LimitClass.SecretOther]);
  });

  it("tells software from HSM key creates (by client), and certificate creates and imports", () => {
    expect(classifyRequest(request("POST", "/keys/k/create"))).toEqual([LimitClass.KeyCreate]);
    expect(classifyRequest(request("POST", "/keys/k/create"), true)).toEqual([LimitClass.HsmKeyCreate]);
    expect(classifyRequest(request("PUT", "/keys/k"))).toEqual([LimitClass.KeyCreate]);
    expect(classifyRequest(request("POST", "/keys/k/rotate"))).toEqual([LimitClass.KeyCreate]);
    expect(classifyRequest(request("POST", "/keys/restore"))).toEqual([LimitClass.KeyOther]);
    expect(classifyRequest(request("GET", "/keys/k/rotationpolicy"))).toEqual([LimitClass.KeyOther]);
    expect(classifyRequest(request("POST", "/certificates/c/create"))).toEqual([
      LimitClass.CertificateCreate,
    ]);
    expect(classifyRequest(request("POST", "/certificates/c/import"))).toEqual([
      LimitClass.CertificateCreate,
    ]);
    expect(classifyRequest(request("GET", "/certificates/c/policy"))).toEqual([LimitClass.CertificateOther]);
  });

  it("declares the documented limits", () => {
    const byClass = Object.fromEntries(KEY_VAULT_LIMITS.map((l) => [l.class, l]));
    expect(byClass[LimitClass.SecretCreate]).toEqual({
      class: "secret-create",
      limit: 300,
      windowMs: 10_000,
    });
    expect(byClass[LimitClass.SecretOther]?.limit).toBe(4000);
    expect(byClass[LimitClass.KeyCreate]?.limit).toBe(20);
    expect(byClass[LimitClass.HsmKeyCreate]?.limit).toBe(10);
  });
});

describe("backup placement", () => {
  const vault = (sub: string, location?: string): AzureResource => ({
    id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v`,
    type: "Microsoft.KeyVault/vaults",
    name: "v",
    ...(location ? { location } : {}),
  });

  it("allows a restore within one subscription and geography only", () => {
    expect(backupPlacement(vault("a", "eastus"), vault("A", "West US 2")).allowed).toBe(true);
    expect(backupPlacement(vault("a", "northeurope"), vault("a", "westeurope")).allowed).toBe(true);
    const geo = backupPlacement(vault("a", "eastus"), vault("a", "westeurope"));
    expect(geo).toMatchObject({ allowed: false });
    expect(geo.reason).toContain("geography");
    expect(backupPlacement(vault("a", "eastus"), vault("b", "eastus")).reason).toContain("subscription");
    expect(backupPlacement(vault("a"), vault("a", "eastus")).allowed).toBe(false);
  });
});

describe("secret digests", () => {
  const base = secretAttributesOf({ enabled: true, contentType: "text/plain", tags: { a: "1", b: "2" } });

  it("are equal for the same value and attributes, whatever the key order or milliseconds", () => {
    const same = secretAttributesOf({ enabled: true, contentType: "text/plain", tags: { b: "2", a: "1" } });
    expect(secretDigest("v", base)).toBe(secretDigest("v", same));
    const a = secretAttributesOf({ enabled: true, tags: {}, expiresOn: "2030-01-01T00:00:00.000Z" });
    const b = secretAttributesOf({ enabled: true, tags: {}, expiresOn: "2030-01-01T00:00:00.400Z" });
    expect(secretDigest("v", a)).toBe(secretDigest("v", b));
    expect(attributeChanges(a, b)).toEqual([]);
  });

  it("differ on value, tags, content type, dates or enabled", () => {
    expect(secretDigest("v", base)).not.toBe(secretDigest("w", base));
    expect(attributeChanges(base, { ...base, tags: { a: "1" } })).toEqual(["tags"]);
    expect(attributeChanges(base, { ...base, contentType: "x" })).toEqual(["contentType"]);
    expect(attributeChanges(base, { ...base, enabled: false, notBefore: "2030-01-01T00:00:00Z" })).toEqual([
      "enabled",
      "notBefore",
    ]);
  });
});

describe("the plugin object", () => {
  it("registers through the entry point and is found for a vault, case-insensitively", () => {
    const registry = new PluginRegistry();
    register({
      coreVersion: "0.1.0",
      contractVersion: "1.0.0",
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      register: (p) => registry.register(p),
    });
    const plugin = registry.getPluginForResource({ id: "/x", type: "microsoft.keyvault/VAULTS", name: "v" });
    expect(plugin).toBe(keyVaultPlugin);
    expect(plugin.itemKinds).toEqual([
      "secret",
      "key",
      "certificate",
      "certificate-issuer",
      "certificate-contacts",
    ]);
  });

  it("declares its options with defaults, and least-privilege roles per side and mode", () => {
    expect(OPTION_SPECS.map((o) => o.name)).toEqual([
      "versions",
      "key-strategy",
      "pace",
      "purge-deleted",
      "certificate-import",
      "azurerm-value",
      "import-blocks",
      "import-items",
    ]);
    expect(readOptions({})).toMatchObject({
      versions: "latest",
      keyStrategy: "backup-restore",
      purgeDeleted: false,
    });
    expect(readOptions({ "import-items": "t.jsonl" }).importBlocks).toBe(true);
    const roles = (side: string, mode: string) =>
      PERMISSIONS.filter((p) => p.side === side && p.for === mode).map((p) => p.role);
    expect(roles("source", "discover")).toEqual(["Key Vault Reader"]);
    expect(roles("source", "template")).toEqual(["Key Vault Reader"]);
    expect(roles("source", "replication")).toContain("Key Vault Secrets User");
    expect(roles("target", "replication")).toEqual([
      "Key Vault Secrets Officer",
      "Key Vault Crypto Officer",
      "Key Vault Certificates Officer",
    ]);
    for (const p of PERMISSIONS) expect(p.roleDefinitionId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("helpers", () => {
  it("import ids are versioned for objects and fixed for vault settings", () => {
    const vaultUrl = "https://v.vault.azure.net/";
    expect(
      importIdOf({
        kind: "key",
        key: "key/k",
        name: "k",
        sourceResourceId: "x",
        properties: {
          version: "abc",
          enabled: true,
          tags: {},
          id: "",
          vaultUrl,
          keyType: "RSA",
          keyOps: [],
          exportable: false,
          hsm: false,
        },
      }),
    ).toBe("https://v.vault.azure.net/keys/k/abc");
    expect(
      importIdOf({
        kind: "certificate-contacts",
        key: "certificate-contacts",
        name: "contacts",
        sourceResourceId: "x",
        properties: { vaultUrl, contacts: [] },
      }),
    ).toBe("https://v.vault.azure.net/certificates/contacts");
  });
});

describe("pace option", () => {
  it("maps to core's pacing: adaptive by default, limits on request", () => {
    expect(readOptions({}).pace).toBe("adaptive");
    expect(readOptions({ pace: "limits" }).pace).toBe("limits");
  });
});
