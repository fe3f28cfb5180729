import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { CertificateClient, type CertificatePolicy } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/keyvault/index.js";
import { clientOptions, collect, credential, expectKeyVaultError, raw, uniqueName } from "./helpers.js";
import { pfxOf, readPfx, selfSignedRsa, signCsr } from "./test-certificates.js";

const EC_FIXTURE = readFileSync(new URL("./fixtures/ec-p256-selfsigned.pem", import.meta.url), "utf8");

let emulator: KeyVaultEmulator;
let certificates: CertificateClient;
let secrets: SecretClient;
let keys: KeyClient;
let otherSub: CertificateClient;
let sameSub: CertificateClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({
    vaults: [
      { name: "certs", subscriptionId: "sub-1", location: "eastus2" },
      { name: "certs-restore", subscriptionId: "sub-1", location: "centralus" },
      { name: "certs-other", subscriptionId: "sub-2", location: "eastus2" },
    ],
  });
  const uri = emulator.vaultUri("certs");
  certificates = new CertificateClient(uri, credential, clientOptions(emulator));
  secrets = new SecretClient(uri, credential, clientOptions(emulator));
  keys = new KeyClient(uri, credential, clientOptions(emulator));
  sameSub = new CertificateClient(emulator.vaultUri("certs-restore"), credential, clientOptions(emulator));
  otherSub = new CertificateClient(emulator.vaultUri("certs-other"), credential, clientOptions(emulator));
});

afterAll(async () => {
  await emulator.stop();
});

const selfPolicy = (subject: string, extra: Partial<CertificatePolicy> = {}): CertificatePolicy =>
  ({ issuerName: "Self", subject, ...extra }) as CertificatePolicy;

async function createSelfSigned(name: string, policy: CertificatePolicy) {
  return (await certificates.beginCreateCertificate(name, policy)).pollUntilDone();
}

describe("self-signed certificates", () => {
  it("creates a real X.509 certificate with its managed key and exportable PFX secret", async () => {
    const name = uniqueName("web");
    const created = await createSelfSigned(
      name,
      selfPolicy("CN=web.example, O=Contoso", {
        subjectAlternativeNames: { dnsNames: ["web.example", "www.web.example"] },
        validityInMonths: 6,
        exportable: true,
      }),
    );
    const x509 = new X509Certificate(Buffer.from(created.cer as Uint8Array));
    expect(x509.subject).toBe("CN=web.example\nO=Contoso");
    expect(x509.subjectAltName).toBe("DNS:web.example, DNS:www.web.example");
    expect(x509.verify(x509.publicKey)).toBe(true);
    const months =
      (new Date(x509.validTo).getTime() - new Date(x509.validFrom).getTime()) / (30.4 * 86_400_000);
    expect(Math.round(months)).toBe(6);
    expect(created.properties.x509ThumbprintString).toBe(
      createHash("sha1")
        .update(Buffer.from(created.cer as Uint8Array))
        .digest("hex"),
    );
    expect(created.properties.expiresOn?.getTime()).toBe(new Date(x509.validTo).getTime());
    expect(created.policy?.enhancedKeyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(created.policy?.keyType).toBe("RSA");
    expect(created.policy?.keySize).toBe(2048);
    expect(created.policy?.contentType).toBe("application/x-pkcs12");

    const version = created.properties.version as string;
    expect(created.keyId).toBe(`${emulator.vaultUri("certs")}keys/${name}/${version}`);
    expect(created.secretId).toBe(`${emulator.vaultUri("certs")}secrets/${name}/${version}`);

    const key = await keys.getKey(name);
    expect(key.properties.managed).toBe(true);
    expect(key.properties.version).toBe(version);
    const certificateModulus = (x509.publicKey.export({ format: "jwk" }) as { n: string }).n;
    expect(Buffer.from(key.key?.n as Uint8Array).toString("base64url")).toBe(certificateModulus);

    const secret = await secrets.getSecret(name);
    expect(secret.properties.managed).toBe(true);
    expect(secret.properties.contentType).toBe("application/x-pkcs12");
    expect(secret.properties.certificateKeyId).toBe(created.keyId);
    expect(readPfx(secret.value as string)).toEqual({ hasKey: true, certificates: 1 });
    expect(() => createSecureContext({ pfx: Buffer.from(secret.value as string, "base64") })).not.toThrow();
    expect(emulator.stats("certs").certificatesCreated).toBeGreaterThanOrEqual(1);
  });

  it("keeps the private key out of the secret of a non-exportable certificate (PEM)", async () => {
    const name = uniqueName("pem");
    await createSelfSigned(
      name,
      selfPolicy("CN=pem.example", { exportable: false, contentType: "application/x-pem-file" }),
    );
    const secret = await secrets.getSecret(name);
    expect(secret.properties.contentType).toBe("application/x-pem-file");
    expect(secret.value).toContain("-----BEGIN CERTIFICATE-----");
    expect(secret.value).not.toContain("PRIVATE KEY");

    const pfxName = uniqueName("pfx-noexport");
    await createSelfSigned(pfxName, selfPolicy("CN=nokey.example", { exportable: false }));
    expect(readPfx((await secrets.getSecret(pfxName)).value as string)).toEqual({
      hasKey: false,
      certificates: 1,
    });
  });

  it("versions, lists, reads and updates policies and properties", async () => {
    const name = uniqueName("versions");
    const first = await createSelfSigned(name, selfPolicy("CN=v1.example"));
    const second = await createSelfSigned(name, selfPolicy("CN=v2.example", { tags: { gen: "2" } } as never));
    const versions = await collect(certificates.listPropertiesOfCertificateVersions(name));
    expect(versions.map((v) => v.version).sort()).toEqual(
      [first.properties.version, second.properties.version].sort(),
    );
    const older = await certificates.getCertificateVersion(name, first.properties.version as string);
    expect(new X509Certificate(Buffer.from(older.cer as Uint8Array)).subject).toBe("CN=v1.example");
    expect((await collect(certificates.listPropertiesOfCertificates())).some((c) => c.name === name)).toBe(
      true,
    );

    const policy = await certificates.getCertificatePolicy(name);
    expect(policy.subject).toBe("CN=v2.example");
    // updateCertificatePolicy resolves to an empty policy in this SDK version; read it back instead.
    await certificates.updateCertificatePolicy(name, {
      ...policy,
      validityInMonths: 24,
    } as CertificatePolicy);
    const reread = await certificates.getCertificatePolicy(name);
    expect(reread.validityInMonths).toBe(24);
    expect(reread.subject).toBe("CN=v2.example");

    const properties = await certificates.updateCertificateProperties(
      name,
      second.properties.version as string,
      {
        enabled: false,
        tags: { state: "off" },
      },
    );
    expect(properties.properties.enabled).toBe(false);
    expect(properties.properties.tags).toEqual({ state: "off" });
    // The backing secret follows the certificate.
    await expectKeyVaultError(secrets.getSecret(name), 403, "Forbidden", "SecretDisabled");
  });

  it("refuses EC keys for certificates it would have to sign, and names held by other objects", async () => {
    await expectKeyVaultError(
      certificates.beginCreateCertificate(uniqueName("ec"), selfPolicy("CN=ec.example", { keyType: "EC" })),
      400,
      "BadParameter",
    );
    const name = uniqueName("taken");
    await secrets.setSecret(name, "plain secret");
    await expectKeyVaultError(certificates.beginCreateCertificate(name, selfPolicy("CN=x")), 409, "Conflict");
  });

  it("protects its managed secret and key from direct changes", async () => {
    const name = uniqueName("managed");
    await createSelfSigned(name, selfPolicy("CN=managed.example"));
    await expectKeyVaultError(secrets.setSecret(name, "overwrite"), 403, "Forbidden");
    await expectKeyVaultError(secrets.beginDeleteSecret(name), 403, "Forbidden");
    await expectKeyVaultError(keys.beginDeleteKey(name), 403, "Forbidden");
    const listed = (await collect(secrets.listPropertiesOfSecrets())).find((s) => s.name === name);
    expect(listed?.managed).toBe(true);
  });
});

describe("importing certificates", () => {
  it("imports PFX with and without password, and refuses a wrong password", async () => {
    const local = selfSignedRsa("imported.example");
    const name = uniqueName("pfx");
    const imported = await certificates.importCertificate(name, pfxOf(local, "s3cret"), {
      password: "s3cret",
    });
    expect(Buffer.from(imported.cer as Uint8Array)).toEqual(local.der);
    expect(imported.properties.x509ThumbprintString).toBe(createHash("sha1").update(local.der).digest("hex"));
    expect(imported.policy?.subject).toBe("CN=imported.example");
    expect(imported.policy?.subjectAlternativeNames?.dnsNames).toEqual(["imported.example"]);
    expect(imported.policy?.issuerName).toBe("Unknown");
    const secret = await secrets.getSecret(name);
    expect(readPfx(secret.value as string)).toEqual({ hasKey: true, certificates: 1 });

    const unprotected = await certificates.importCertificate(uniqueName("pfx-open"), pfxOf(local, null));
    expect(Buffer.from(unprotected.cer as Uint8Array)).toEqual(local.der);

    await expectKeyVaultError(
      certificates.importCertificate(uniqueName("pfx-wrong"), pfxOf(local, "s3cret"), { password: "nope" }),
      400,
      "BadParameter",
    );
    await expectKeyVaultError(
      certificates.importCertificate(uniqueName("pfx-nokey"), pfxOf(local, null, false)),
      400,
      "BadParameter",
    );
    expect(emulator.stats("certs").certificatesImported).toBeGreaterThanOrEqual(2);
  });

  it("imports PEM (RSA and EC) and serves the PEM back, converting PFX to PEM on request", async () => {
    const local = selfSignedRsa("pem-import.example");
    const name = uniqueName("pem-rsa");
    const pemPolicy = { contentType: "application/x-pem-file" } as CertificatePolicy;
    const imported = await certificates.importCertificate(name, Buffer.from(local.keyPem + local.certPem), {
      policy: pemPolicy,
    });
    expect(Buffer.from(imported.cer as Uint8Array)).toEqual(local.der);
    const secret = await secrets.getSecret(name);
    expect(secret.properties.contentType).toBe("application/x-pem-file");
    expect(secret.value).toContain("PRIVATE KEY");

    const ecName = uniqueName("pem-ec");
    const ec = await certificates.importCertificate(ecName, Buffer.from(EC_FIXTURE), { policy: pemPolicy });
    expect(ec.policy?.keyType).toBe("EC");
    expect(ec.policy?.keyCurveName).toBe("P-256");
    expect((await keys.getKey(ecName)).key?.crv).toBe("P-256");

    const pfxName = uniqueName("pfx-to-pem");
    const pfxImport = await certificates.importCertificate(pfxName, pfxOf(local, null));
    const converted = await raw(
      emulator,
      "certs",
      "GET",
      `/secrets/${pfxName}/${pfxImport.properties.version}?api-version=2025-07-01&outContentType=application/x-pem-file`,
    );
    expect(converted.status).toBe(200);
    const body = converted.json as { value: string; contentType: string };
    expect(body.contentType).toBe("application/x-pem-file");
    expect(body.value).toContain("-----BEGIN PRIVATE KEY-----");
    expect(body.value).toContain(local.certPem.split(/\r?\n/)[1]);
  });
});

describe("pending operations", () => {
  it("keeps a certificate with issuer Unknown pending, and cancels or deletes the operation", async () => {
    const name = uniqueName("pending");
    const poller = await certificates.beginCreateCertificate(name, {
      issuerName: "Unknown",
      subject: "CN=pending.example",
    });
    expect(poller.isDone()).toBe(false);
    const operation = (await certificates.getCertificateOperation(name)).getOperationState()
      .certificateOperation;
    expect(operation?.status).toBe("inProgress");
    expect(operation?.csr?.length).toBeGreaterThan(100);

    const pending = await certificates.getCertificate(name);
    expect(pending.cer).toBeUndefined();
    expect((await collect(certificates.listPropertiesOfCertificates())).some((c) => c.name === name)).toBe(
      false,
    );
    const withPending = await collect(certificates.listPropertiesOfCertificates({ includePending: true }));
    expect(withPending.some((c) => c.name === name)).toBe(true);

    const operationPoller = await certificates.getCertificateOperation(name);
    await operationPoller.cancelOperation();
    expect(operationPoller.getOperationState().certificateOperation?.cancellationRequested).toBe(true);
    expect(operationPoller.getOperationState().certificateOperation?.status).toBe("cancelled");

    const deleted = await certificates.deleteCertificateOperation(name);
    expect(deleted.status).toBe("cancelled");
    await expectKeyVaultError(certificates.getCertificate(name), 404, "CertificateNotFound");
    await expectKeyVaultError(certificates.getCertificateOperation(name), 404, "CertificateNotFound");
  });

  it("merges a certificate issued for the pending request", async () => {
    const ca = selfSignedRsa("Test CA", { ca: true });
    const name = uniqueName("merge");
    await certificates.beginCreateCertificate(name, {
      issuerName: "Unknown",
      subject: "CN=merged.example",
      contentType: "application/x-pem-file",
    });
    const pending = await certificates.getCertificateOperation(name);
    const csr = pending.getOperationState().certificateOperation?.csr as Uint8Array;
    const issued = signCsr(csr, ca);
    const wrong = selfSignedRsa("other.example");
    await expectKeyVaultError(certificates.mergeCertificate(name, [wrong.der]), 400, "BadParameter");

    const merged = await certificates.mergeCertificate(name, [issued, ca.der]);
    const x509 = new X509Certificate(Buffer.from(merged.cer as Uint8Array));
    expect(x509.issuer).toBe("CN=Test CA");
    expect(x509.subject).toBe("CN=merged.example");
    const operation = await certificates.getCertificateOperation(name);
    expect(operation.getOperationState().certificateOperation?.status).toBe("completed");
    expect(operation.getOperationState().certificateOperation?.target).toBe(
      `${emulator.vaultUri("certs")}certificates/${name}`,
    );
    const secret = await secrets.getSecret(name);
    expect(secret.value?.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(secret.value).toContain("PRIVATE KEY");
  });
});

describe("certificate lifecycle", () => {
  it("deletes, recovers and purges the certificate with its key and secret", async () => {
    const name = uniqueName("life");
    await createSelfSigned(name, selfPolicy("CN=life.example"));
    const deleted = await (await certificates.beginDeleteCertificate(name)).pollUntilDone();
    expect(deleted.recoveryId).toBe(`${emulator.vaultUri("certs")}deletedcertificates/${name}`);
    expect((await secrets.getDeletedSecret(name)).properties.managed).toBe(true);
    expect((await keys.getDeletedKey(name)).properties.managed).toBe(true);
    expect((await collect(certificates.listDeletedCertificates())).some((c) => c.name === name)).toBe(true);
    await expectKeyVaultError(
      certificates.beginCreateCertificate(name, selfPolicy("CN=again")),
      409,
      "Conflict",
      "ObjectIsDeletedButRecoverable",
    );
    await expectKeyVaultError(secrets.purgeDeletedSecret(name), 403, "Forbidden");

    await (await certificates.beginRecoverDeletedCertificate(name)).pollUntilDone();
    expect((await certificates.getCertificate(name)).name).toBe(name);
    expect((await secrets.getSecret(name)).properties.managed).toBe(true);
    expect((await keys.getKey(name)).properties.managed).toBe(true);

    await (await certificates.beginDeleteCertificate(name)).pollUntilDone();
    await certificates.purgeDeletedCertificate(name);
    await expectKeyVaultError(certificates.getDeletedCertificate(name), 404, "CertificateNotFound");
    await expectKeyVaultError(secrets.getDeletedSecret(name), 404, "SecretNotFound");
    await expectKeyVaultError(keys.getDeletedKey(name), 404, "KeyNotFound");
  });

  it("backs up and restores the certificate with its key and secret", async () => {
    const name = uniqueName("bak");
    const created = await createSelfSigned(name, selfPolicy("CN=backup.example"));
    const blob = (await certificates.backupCertificate(name)) as Uint8Array;
    const restored = await sameSub.restoreCertificateBackup(blob);
    expect(restored.properties.x509ThumbprintString).toBe(created.properties.x509ThumbprintString);
    const restoredSecrets = new SecretClient(
      emulator.vaultUri("certs-restore"),
      credential,
      clientOptions(emulator),
    );
    expect(readPfx((await restoredSecrets.getSecret(name)).value as string).hasKey).toBe(true);
    await expectKeyVaultError(otherSub.restoreCertificateBackup(blob), 400, "BadParameter");
    await expectKeyVaultError(sameSub.restoreCertificateBackup(blob), 409, "Conflict");
  });
});

describe("vault certificate settings", () => {
  it("sets, gets and deletes contacts", async () => {
    await expectKeyVaultError(certificates.getContacts(), 404, "ContactsNotFound");
    const contacts = [
      { email: "ops@example.com", name: "Ops", phone: "555-0100" },
      { email: "sec@example.com", name: "Security" },
    ];
    const expected = [
      { email: "ops@example.com", name: "Ops", phone: "555-0100" },
      { email: "sec@example.com", name: "Security", phone: undefined },
    ];
    expect(await certificates.setContacts(contacts)).toEqual(expected);
    expect(await certificates.getContacts()).toEqual(expected);
    await certificates.deleteContacts();
    await expectKeyVaultError(certificates.getContacts(), 404, "ContactsNotFound");
  });

  it("creates, reads, updates, lists and deletes issuers", async () => {
    const name = uniqueName("issuer");
    const created = await certificates.createIssuer(name, "DigiCert", {
      accountId: "account-1",
      password: "not-returned",
      organizationId: "org-1",
      administratorContacts: [
        { email: "admin@example.com", firstName: "Ada", lastName: "Admin", phone: "1" },
      ],
    });
    // The SDK derives `name` from the id `…/certificates/issuers/{name}` as a certificate id,
    // so it reports "issuers" (and the real name as `version`); the id is what the service sends.
    expect(created.id).toBe(`${emulator.vaultUri("certs")}certificates/issuers/${name}`);
    expect(created.name).toBe("issuers");
    expect(created.provider).toBe("DigiCert");
    expect(created.accountId).toBe("account-1");
    expect(created.password).toBeUndefined();
    expect(created.administratorContacts?.[0]?.email).toBe("admin@example.com");
    expect(created.enabled).toBe(true);

    // updateIssuer only sends `enabled` when it is true, so a provider change is what can be updated.
    const updated = await certificates.updateIssuer(name, { provider: "GlobalSign" });
    expect(updated.provider).toBe("GlobalSign");
    const reread = await certificates.getIssuer(name);
    expect(reread.organizationId).toBe("org-1");
    expect(reread.accountId).toBe("account-1");
    const listed = await collect(certificates.listPropertiesOfIssuers());
    expect(listed.find((i) => i.id?.endsWith(`/issuers/${name}`))?.provider).toBe("GlobalSign");
    await certificates.deleteIssuer(name);
    await expectKeyVaultError(certificates.getIssuer(name), 404, "CertificateIssuerNotFound");
  });
});
