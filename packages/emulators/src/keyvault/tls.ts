import { generateKeyPair, X509Certificate } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import forge from "node-forge";

/**
 * The emulator's TLS: a private CA and a server certificate it issues for localhost,
 * 127.0.0.1 and ::1 (plus the configured host). Clients trust the CA — not the server
 * certificate — through `tlsOptions: { ca }` or NODE_EXTRA_CA_CERTS.
 */
export interface TlsMaterial {
  caCertificatePem: string;
  caKeyPem: string;
  certificatePem: string;
  keyPem: string;
}

const FILES = {
  caCertificatePem: "ca.pem",
  caKeyPem: "ca-key.pem",
  certificatePem: "server.pem",
  keyPem: "server-key.pem",
} as const;

const DAY_MS = 86_400_000;
const generateKeyPairAsync = promisify(generateKeyPair);

async function newRsaKeyPem(): Promise<string> {
  const { privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return privateKey;
}

function serial(): string {
  return forge.util.bytesToHex(forge.random.getBytesSync(16)).replace(/^[89a-f]/, "0");
}

function publicKeyOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return forge.pki.setRsaPublicKey(key.n, key.e);
}

async function createCa(): Promise<{ caCertificatePem: string; caKeyPem: string }> {
  const caKeyPem = await newRsaKeyPem();
  const key = forge.pki.privateKeyFromPem(caKeyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKeyOf(key);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * DAY_MS);
  const name = [
    { name: "commonName", value: "dataplane Key Vault emulator CA" },
    { name: "organizationName", value: "dataplane" },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { caCertificatePem: forge.pki.certificateToPem(cert), caKeyPem };
}

async function issueServerCertificate(
  ca: { caCertificatePem: string; caKeyPem: string },
  hosts: string[],
): Promise<{ certificatePem: string; keyPem: string }> {
  const keyPem = await newRsaKeyPem();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const caCert = forge.pki.certificateFromPem(ca.caCertificatePem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKeyOf(key);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY_MS);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host }));
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), keyPem };
}

function coversHosts(certificatePem: string, caCertificatePem: string, hosts: string[]): boolean {
  try {
    const cert = new X509Certificate(certificatePem);
    const ca = new X509Certificate(caCertificatePem);
    if (!cert.verify(ca.publicKey)) return false;
    const soon = Date.now() + DAY_MS;
    if (new Date(cert.validTo).getTime() < soon || new Date(ca.validTo).getTime() < soon) return false;
    return hosts.every((host) =>
      isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined,
    );
  } catch {
    return false;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The CA and server certificate for `hosts`, reused from `dir` when it holds valid ones. */
export async function loadOrCreateTls(hosts: string[], dir?: string): Promise<TlsMaterial> {
  if (dir) {
    const [caCertificatePem, caKeyPem, certificatePem, keyPem] = await Promise.all(
      Object.values(FILES).map((file) => readIfPresent(join(dir, file))),
    );
    if (caCertificatePem && caKeyPem) {
      if (certificatePem && keyPem && coversHosts(certificatePem, caCertificatePem, hosts)) {
        return { caCertificatePem, caKeyPem, certificatePem, keyPem };
      }
      const ca = { caCertificatePem, caKeyPem };
      if (coversHosts(caCertificatePem, caCertificatePem, [])) {
        const server = await issueServerCertificate(ca, hosts);
        const material = { ...ca, ...server };
        await persist(dir, material);
        return material;
      }
    }
  }
  const ca = await createCa();
  const material = { ...ca, ...(await issueServerCertificate(ca, hosts)) };
  if (dir) await persist(dir, material);
  return material;
}

async function persist(dir: string, material: TlsMaterial): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(
    (Object.keys(FILES) as (keyof TlsMaterial)[]).map((field) =>
      writeFile(join(dir, FILES[field]), material[field], {
        mode: field === "caKeyPem" || field === "keyPem" ? 0o600 : 0o644,
      }),
    ),
  );
}
