import { randomBytes } from "node:crypto";
import { CertificateClient, type CertificatePolicy } from "@azure/keyvault-certificates";
import { KeyClient, type KeyRotationPolicyProperties } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import type { KeyVaultEmulator, SeedSecretOptions } from "@dataplane/emulators";
import { clientOptions, credential } from "./vaults.js";

/** A unique, unmistakable secret value: it must never show up anywhere but the vaults. */
export function canary(label: string): string {
  return `CANARY-${label}-${randomBytes(9).toString("base64url")}`;
}

export interface SeededVersion {
  readonly value: string;
  readonly options: SeedSecretOptions;
}

export interface SeededSecretSpec {
  readonly name: string;
  /** Oldest first; the last is the current version. */
  readonly versions: readonly SeededVersion[];
}

export interface SeededKeySpec {
  readonly name: string;
  readonly keyType: "RSA" | "RSA-HSM" | "EC" | "EC-HSM";
  readonly keySize?: number;
  readonly curve?: "P-256" | "P-384" | "P-521" | "P-256K";
  readonly keyOps?: string[];
  readonly enabled?: boolean;
  readonly tags?: Record<string, string>;
  readonly expiresOn?: Date;
  readonly rotationPolicy?: KeyRotationPolicyProperties;
}

export interface SeededCertificateSpec {
  readonly name: string;
  readonly exportable: boolean;
  readonly contentType: "application/x-pkcs12" | "application/x-pem-file";
  /** Imported from another certificate's PEM (issuer Unknown) instead of created. */
  readonly imported?: boolean;
}

export interface SeededVault {
  readonly secrets: readonly SeededSecretSpec[];
  readonly keys: readonly SeededKeySpec[];
  readonly certificates: readonly SeededCertificateSpec[];
  /** Every secret value written (for leak checks). */
  readonly canaries: readonly string[];
}

const DAY = 86_400_000;
/** Whole seconds: the service keeps dates to the second. */
const at = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

/** 127 characters, the longest name the service allows. */
export const LONGEST_NAME = `long-${"x".repeat(117)}-end1`;

/**
 * ≥ 200 secrets through the emulator's programmatic API (no HTTP): several with 3+ versions,
 * disabled, expired, not yet valid, tagged, with content types, and names at the edge of the
 * service's rules (127 characters, leading digits, dashes).
 */
export function secretSpecs(count = 200): SeededSecretSpec[] {
  const now = Date.now();
  const specs: SeededSecretSpec[] = [];
  const one = (name: string, options: SeedSecretOptions = {}, value = canary(name.slice(0, 12))) =>
    specs.push({ name, versions: [{ value, options }] });

  // Edge names.
  one(LONGEST_NAME, { contentType: "text/plain" });
  one("0123456789-leading-digits");
  one("9");
  one("a--double--dashes--");
  one("UPPER-and-lower-Case");
  // Values at the edge: large, multi-line, quotes, template sequences, unicode.
  one("large-value", { contentType: "application/octet-stream" }, `${canary("large")}${"z".repeat(20_000)}`);
  one(
    "multi-line",
    { contentType: "application/x-pem-file" },
    `-----BEGIN X-----\n${canary("ml")}\n-----END X-----\n`,
  );
  one("quotes-and-templates", {}, `"${canary("q")}" \${var.x} %{if} \\ \u00e9\u4e2d`);
  // Disabled, expired, not yet valid.
  for (let i = 0; i < 5; i++) one(`disabled-${i}`, { enabled: false, tags: { state: "disabled" } });
  for (let i = 0; i < 4; i++)
    one(`expired-${i}`, { expiresOn: at(now - (i + 1) * DAY), contentType: "text/plain" });
  for (let i = 0; i < 3; i++)
    one(`future-${i}`, { notBefore: at(now + (i + 1) * DAY), expiresOn: at(now + 400 * DAY) });
  // Several versions (3–5), some with an older disabled version.
  for (let i = 0; i < 8; i++) {
    const name = `versioned-${i}`;
    const versions: SeededVersion[] = [];
    const n = 3 + (i % 3);
    for (let v = 0; v < n; v++) {
      versions.push({
        value: canary(`${name}-v${v}`),
        options: {
          tags: { version: String(v), team: "core" },
          contentType: v % 2 === 0 ? "text/plain" : "application/json",
          ...(i % 4 === 3 && v === 0 ? { enabled: false } : {}),
        },
      });
    }
    specs.push({ name, versions });
  }
  // Tagged, with content types.
  let i = 0;
  while (specs.length < count) {
    const options: SeedSecretOptions = {};
    if (i % 3 === 0)
      options.tags = {
        env: i % 2 === 0 ? "prod" : "test",
        owner: `team-${i % 7}`,
        "cost-center": String(1000 + i),
      };
    if (i % 4 === 0) options.contentType = i % 8 === 0 ? "application/json" : "text/plain; charset=utf-8";
    if (i % 11 === 0) options.expiresOn = at(now + 365 * DAY);
    one(`app-secret-${String(i).padStart(3, "0")}`, options);
    i++;
  }
  return specs;
}

export function seedSecretSpecs(
  emulator: KeyVaultEmulator,
  vault: string,
  specs: readonly SeededSecretSpec[],
): void {
  for (const spec of specs) {
    for (const v of spec.versions) emulator.seedSecret(vault, spec.name, v.value, v.options);
  }
}

export function keySpecs(): SeededKeySpec[] {
  const now = Date.now();
  const specs: SeededKeySpec[] = [
    { name: "rsa-2048-a", keyType: "RSA", keySize: 2048, tags: { use: "encrypt" } },
    { name: "rsa-2048-b", keyType: "RSA", keySize: 2048, keyOps: ["sign", "verify"] },
    { name: "rsa-2048-c", keyType: "RSA", keySize: 2048, enabled: false },
    {
      name: "rsa-2048-rotating",
      keyType: "RSA",
      keySize: 2048,
      rotationPolicy: {
        expiresIn: "P90D",
        lifetimeActions: [
          { action: "Rotate", timeAfterCreate: "P30D" },
          { action: "Notify", timeBeforeExpiry: "P10D" },
        ],
      },
    },
    { name: "rsa-2048-expiring", keyType: "RSA", keySize: 2048, expiresOn: at(now + 30 * DAY) },
    { name: "rsa-2048-wrap", keyType: "RSA", keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] },
    { name: "rsa-3072-a", keyType: "RSA", keySize: 3072 },
    { name: "rsa-3072-b", keyType: "RSA", keySize: 3072, tags: { tier: "gold" } },
    { name: "rsa-4096-a", keyType: "RSA", keySize: 4096 },
    { name: "ec-p256-a", keyType: "EC", curve: "P-256" },
    { name: "ec-p256-b", keyType: "EC", curve: "P-256", keyOps: ["sign", "verify"] },
    { name: "ec-p256-c", keyType: "EC", curve: "P-256", tags: { use: "signing" } },
    { name: "ec-p384-a", keyType: "EC", curve: "P-384" },
    { name: "ec-p384-b", keyType: "EC", curve: "P-384", enabled: false },
    { name: "ec-p521-a", keyType: "EC", curve: "P-521" },
    { name: "ec-p256k-a", keyType: "EC", curve: "P-256K" },
    { name: "rsa-hsm-2048-a", keyType: "RSA-HSM", keySize: 2048 },
    { name: "rsa-hsm-3072-a", keyType: "RSA-HSM", keySize: 3072, tags: { hsm: "yes" } },
    { name: "ec-hsm-p256-a", keyType: "EC-HSM", curve: "P-256" },
    { name: "ec-hsm-p384-a", keyType: "EC-HSM", curve: "P-384" },
  ];
  return specs;
}

export async function seedKeys(
  emulator: KeyVaultEmulator,
  vault: string,
  specs: readonly SeededKeySpec[],
): Promise<void> {
  const client = new KeyClient(emulator.vaultUri(vault), credential, clientOptions(emulator));
  await Promise.all(
    specs.map(async (k) => {
      await client.createKey(k.name, k.keyType, {
        ...(k.keySize ? { keySize: k.keySize } : {}),
        ...(k.curve ? { curve: k.curve } : {}),
        ...(k.keyOps ? { keyOps: k.keyOps as never } : {}),
        ...(k.enabled === false ? { enabled: false } : {}),
        ...(k.tags ? { tags: k.tags } : {}),
        ...(k.expiresOn ? { expiresOn: k.expiresOn } : {}),
      });
      if (k.rotationPolicy) await client.updateKeyRotationPolicy(k.name, k.rotationPolicy);
    }),
  );
}

export function certificateSpecs(): SeededCertificateSpec[] {
  return [
    { name: "web-pfx-a", exportable: true, contentType: "application/x-pkcs12" },
    { name: "web-pfx-b", exportable: true, contentType: "application/x-pkcs12" },
    { name: "web-pfx-c", exportable: true, contentType: "application/x-pkcs12" },
    { name: "api-pem-a", exportable: true, contentType: "application/x-pem-file" },
    { name: "api-pem-b", exportable: true, contentType: "application/x-pem-file" },
    { name: "locked-pfx-a", exportable: false, contentType: "application/x-pkcs12" },
    { name: "locked-pfx-b", exportable: false, contentType: "application/x-pkcs12" },
    { name: "locked-pem-a", exportable: false, contentType: "application/x-pem-file" },
    { name: "imported-pem", exportable: true, contentType: "application/x-pem-file", imported: true },
    { name: "imported-pfx", exportable: true, contentType: "application/x-pkcs12", imported: true },
  ];
}

function policyFor(spec: SeededCertificateSpec, index: number): CertificatePolicy {
  return {
    issuerName: "Self",
    subject: `CN=${spec.name}.example.test`,
    subjectAlternativeNames: { dnsNames: [`${spec.name}.example.test`, `www.${spec.name}.example.test`] },
    keyType: "RSA",
    keySize: index % 3 === 2 ? 3072 : 2048,
    exportable: spec.exportable,
    reuseKey: index % 2 === 0,
    contentType: spec.contentType,
    validityInMonths: 12 + index,
    keyUsage: ["digitalSignature", "keyEncipherment"],
    enhancedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
    lifetimeActions: [{ action: "AutoRenew", daysBeforeExpiry: 30 }],
  };
}

/** Certificates: created self-signed from a policy, or imported (issuer Unknown) from a scratch one. */
export async function seedCertificates(
  emulator: KeyVaultEmulator,
  vault: string,
  specs: readonly SeededCertificateSpec[],
  scratchVault: string,
): Promise<void> {
  const client = new CertificateClient(emulator.vaultUri(vault), credential, clientOptions(emulator));
  const scratch = new CertificateClient(emulator.vaultUri(scratchVault), credential, clientOptions(emulator));
  const scratchSecrets = new SecretClient(
    emulator.vaultUri(scratchVault),
    credential,
    clientOptions(emulator),
  );
  await Promise.all(
    specs.map(async (spec, index) => {
      const tags = { app: spec.name.split("-")[0] ?? "x", index: String(index) };
      if (!spec.imported) {
        const poller = await client.beginCreateCertificate(spec.name, policyFor(spec, index), {
          tags,
          intervalInMs: 50,
        });
        await poller.pollUntilDone();
        return;
      }
      const poller = await scratch.beginCreateCertificate(`${spec.name}-origin`, policyFor(spec, index), {
        intervalInMs: 50,
      });
      await poller.pollUntilDone();
      const secret = await scratchSecrets.getSecret(`${spec.name}-origin`);
      const bytes =
        spec.contentType === "application/x-pem-file"
          ? Buffer.from(secret.value ?? "", "utf8")
          : Buffer.from(secret.value ?? "", "base64");
      await client.importCertificate(spec.name, bytes, {
        tags,
        policy: { contentType: spec.contentType, exportable: true },
      });
    }),
  );
}

export async function seedVaultSettings(emulator: KeyVaultEmulator, vault: string): Promise<void> {
  const client = new CertificateClient(emulator.vaultUri(vault), credential, clientOptions(emulator));
  await client.createIssuer("digicert-issuer", "DigiCert", {
    accountId: "acct-123",
    organizationId: "org-9",
    administratorContacts: [
      { firstName: "Ada", lastName: "Admin", email: "ada@example.test", phone: "555-0100" },
    ],
  });
  await client.setContacts([
    { email: "pki@example.test", name: "PKI team", phone: "555-0101" },
    { email: "oncall@example.test", name: "On call" },
  ]);
}

export async function seedVault(
  emulator: KeyVaultEmulator,
  vault: string,
  scratchVault: string,
  options: { secrets?: number } = {},
): Promise<SeededVault> {
  const secrets = secretSpecs(options.secrets ?? 200);
  seedSecretSpecs(emulator, vault, secrets);
  const keys = keySpecs();
  const certificates = certificateSpecs();
  await Promise.all([
    seedKeys(emulator, vault, keys),
    seedCertificates(emulator, vault, certificates, scratchVault),
    seedVaultSettings(emulator, vault),
  ]);
  return { secrets, keys, certificates, canaries: secrets.flatMap((s) => s.versions.map((v) => v.value)) };
}
