import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

/** Certificates made on the test side (node-forge), to import into and merge with the emulator. */

export interface TestCertificate {
  key: forge.pki.rsa.PrivateKey;
  cert: forge.pki.Certificate;
  der: Buffer;
  certPem: string;
  keyPem: string;
}

function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), "binary");
}

function rsaKey(): forge.pki.rsa.PrivateKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return forge.pki.privateKeyFromPem(
    privateKey.export({ type: "pkcs1", format: "pem" }) as string,
  ) as forge.pki.rsa.PrivateKey;
}

function baseCertificate(
  publicKey: forge.pki.PublicKey,
  subject: string,
  serial: string,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 180 * 86_400_000);
  cert.setSubject([{ name: "commonName", value: subject }]);
  return cert;
}

export function selfSignedRsa(subject: string, options: { ca?: boolean } = {}): TestCertificate {
  const key = rsaKey();
  const cert = baseCertificate(forge.pki.setRsaPublicKey(key.n, key.e), subject, "0a1b2c");
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: options.ca === true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: options.ca === true },
    { name: "subjectAltName", altNames: [{ type: 2, value: subject }] },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return {
    key,
    cert,
    der: derOf(cert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(key),
  };
}

/** PFX bytes, password-protected or not. */
export function pfxOf(certificate: TestCertificate, password: string | null, withKey = true): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(withKey ? certificate.key : null, [certificate.cert], password, {
    algorithm: "3des",
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

/** Issues a certificate for a CSR (DER) from the emulator's pending operation. */
export function signCsr(csrDer: Uint8Array, ca: TestCertificate): Buffer {
  const csr = forge.pki.certificationRequestFromAsn1(
    forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(csrDer).toString("binary"))),
  );
  if (!csr.verify()) throw new Error("CSR signature does not verify");
  const cert = baseCertificate(csr.publicKey as forge.pki.PublicKey, "merged.example", "0d0e0f");
  cert.setSubject(csr.subject.attributes);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.sign(ca.key, forge.md.sha256.create());
  return derOf(cert);
}

export interface PfxContents {
  hasKey: boolean;
  certificates: number;
}

/** What an (unprotected) PFX from the emulator holds. */
export function readPfx(base64: string): PfxContents {
  const asn1 = () =>
    forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(base64, "base64").toString("binary")));
  // A PFX without password has its MAC keyed with no password (OpenSSL and forge accept both forms).
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1(), false, undefined as unknown as string);
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag as string })[forge.pki.oids.keyBag as string] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag as string })[
      forge.pki.oids.pkcs8ShroudedKeyBag as string
    ] ?? []),
  ];
  const certBags =
    p12.getBags({ bagType: forge.pki.oids.certBag as string })[forge.pki.oids.certBag as string] ?? [];
  return { hasKey: keyBags.length > 0, certificates: certBags.length };
}
