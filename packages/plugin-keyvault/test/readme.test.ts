// The README shows what `generate` writes for a small vault: this test regenerates it and
// compares, so the README stays what the code does. DATAPLANE_UPDATE_README=1 rewrites the
// README's generated blocks instead.
import { readFileSync, writeFileSync } from "node:fs";
import { createSession } from "@dataplane/core";
import { describe, expect, it } from "vitest";
import { type KeyVaultItem, keyVaultPlugin } from "../src/index.js";
import { terraformProblems } from "./helpers/terraform.js";

const README = new URL("../README.md", import.meta.url);
const VAULT =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/contoso-kv";
const URL_ = "https://contoso-kv.vault.azure.net/";
const common = { sourceResourceId: VAULT };

/** A small vault: a secret, two keys, an exportable PFX and a non-exportable PEM certificate, an issuer, contacts. */
export const SAMPLE: KeyVaultItem[] = [
  {
    ...common,
    kind: "secret",
    key: "secret/db-password",
    name: "db-password",
    properties: {
      enabled: true,
      contentType: "text/plain",
      tags: { env: "prod" },
      expiresOn: "2027-01-01T00:00:00.000Z",
      id: `${URL_}secrets/db-password`,
      vaultUrl: URL_,
    },
  },
  {
    ...common,
    kind: "key",
    key: "key/data-key",
    name: "data-key",
    properties: {
      enabled: true,
      version: "5b1c0e0e4a7a4c1c8a2f0d3c9e6b7a11",
      tags: {},
      id: `${URL_}keys/data-key/5b1c0e0e4a7a4c1c8a2f0d3c9e6b7a11`,
      vaultUrl: URL_,
      keyType: "RSA",
      keySize: 3072,
      keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
      exportable: false,
      hsm: false,
      rotationPolicy: {
        expiresIn: "P1Y",
        lifetimeActions: [
          { action: "Rotate", timeBeforeExpiry: "P30D" },
          { action: "Notify", timeBeforeExpiry: "P7D" },
        ],
      },
    },
  },
  {
    ...common,
    kind: "certificate",
    key: "certificate/web",
    name: "web",
    properties: {
      enabled: true,
      version: "0f8e7d6c5b4a39281706f5e4d3c2b1a0",
      tags: {},
      id: `${URL_}certificates/web/0f8e7d6c5b4a39281706f5e4d3c2b1a0`,
      vaultUrl: URL_,
      policy: {
        issuerName: "Self",
        subject: "CN=www.contoso.com",
        subjectAlternativeNames: { dnsNames: ["www.contoso.com", "contoso.com"] },
        keyType: "RSA",
        keySize: 2048,
        exportable: true,
        reuseKey: false,
        keyUsage: ["digitalSignature", "keyEncipherment"],
        enhancedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
        validityInMonths: 12,
        contentType: "application/x-pkcs12",
        lifetimeActions: [{ action: "AutoRenew", daysBeforeExpiry: 30 }],
      },
    },
  },
  {
    ...common,
    kind: "certificate",
    key: "certificate/api",
    name: "api",
    properties: {
      enabled: true,
      version: "a0b1c2d3e4f5061728394a5b6c7d8e9f",
      tags: {},
      id: `${URL_}certificates/api/a0b1c2d3e4f5061728394a5b6c7d8e9f`,
      vaultUrl: URL_,
      policy: {
        issuerName: "Self",
        subject: "CN=api.contoso.com",
        keyType: "EC",
        keyCurveName: "P-256",
        exportable: false,
        reuseKey: true,
        keyUsage: ["digitalSignature"],
        validityInMonths: 6,
        contentType: "application/x-pem-file",
      },
    },
  },
  {
    ...common,
    kind: "certificate-issuer",
    key: "certificate-issuer/digicert",
    name: "digicert",
    properties: {
      vaultUrl: URL_,
      provider: "DigiCert",
      accountId: "contoso-account",
      organizationId: "contoso-org",
      administratorContacts: [{ firstName: "Ada", lastName: "Admin", email: "pki@contoso.com" }],
      hasPassword: true,
    },
  },
  {
    ...common,
    kind: "certificate-contacts",
    key: "certificate-contacts",
    name: "contacts",
    properties: { vaultUrl: URL_, contacts: [{ email: "pki@contoso.com", name: "PKI team" }] },
  },
];

const BLOCK = /(<!-- generated: ([^\s]+) (\{[^}]*\}) -->\n```(?:hcl|text)\n)([\s\S]*?)(```)/g;

describe("the README's generated Terraform", () => {
  it("is what generate writes for the sample vault, and it validates", async () => {
    let readme = readFileSync(README, "utf8");
    const blocks = [...readme.matchAll(BLOCK)];
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const outputs = new Map<string, Record<string, string>>();
    for (const [, , file, options] of blocks) {
      if (!outputs.has(options!)) {
        const out = await keyVaultPlugin.generate(
          SAMPLE,
          "terraform",
          createSession().generateContext("replication", JSON.parse(options!)),
        );
        expect(await terraformProblems(out.files), options).toEqual([]);
        outputs.set(options!, out.files as Record<string, string>);
      }
      expect(outputs.get(options!)![file!], `${file} ${options}`).toBeDefined();
    }
    const fresh = readme.replace(
      BLOCK,
      (_all, head: string, file: string, options: string, _body: string, tail: string) =>
        `${head}${outputs.get(options)![file]}${tail}`,
    );
    if (process.env.DATAPLANE_UPDATE_README === "1") {
      writeFileSync(README, fresh);
      readme = fresh;
    }
    expect(readme).toBe(fresh);
  });
});
