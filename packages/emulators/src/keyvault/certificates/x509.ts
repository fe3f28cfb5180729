import { createHash, createPrivateKey, type KeyObject, randomBytes, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { type KeyMaterial, materialFromPrivateKey } from "../keys/key-material.js";
import { badParameter } from "../server/errors.js";
import type { StoredPolicy } from "./model.js";

/**
 * X.509 and PKCS#12 for certificates: node-forge builds and signs certificates, CSRs and PFX
 * files (RSA keys only — forge has no EC); node:crypto reads certificates and keys (RSA and EC).
 */

// ---- conversions -----------------------------------------------------------------------

function forgeToDer(asn1: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

function derToForgeAsn1(der: Buffer): forge.asn1.Asn1 {
  return forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary")));
}

function forgePrivateKeyOf(material: KeyMaterial): forge.pki.rsa.PrivateKey {
  if (material.family !== "RSA") {
    throw badParameter("Certificates with EC keys can only be imported in PEM format in the emulator.");
  }
  const pem = material.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
  return forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
}

function forgeCertificateOf(der: Buffer): forge.pki.Certificate {
  try {
    return forge.pki.certificateFromAsn1(derToForgeAsn1(der));
  } catch {
    throw badParameter("Certificates with EC keys can only be imported in PEM format in the emulator.");
  }
}

export function thumbprintOf(der: Buffer): Buffer {
  return createHash("sha1").update(der).digest();
}

export function certificatePem(der: Buffer): string {
  const body = der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

// ---- subject names ---------------------------------------------------------------------

const DN_ATTRIBUTES: Record<string, { oid: string; tag: number }> = {
  CN: { oid: "2.5.4.3", tag: forge.asn1.Type.UTF8 },
  C: { oid: "2.5.4.6", tag: forge.asn1.Type.PRINTABLESTRING },
  L: { oid: "2.5.4.7", tag: forge.asn1.Type.UTF8 },
  ST: { oid: "2.5.4.8", tag: forge.asn1.Type.UTF8 },
  S: { oid: "2.5.4.8", tag: forge.asn1.Type.UTF8 },
  O: { oid: "2.5.4.10", tag: forge.asn1.Type.UTF8 },
  OU: { oid: "2.5.4.11", tag: forge.asn1.Type.UTF8 },
  STREET: { oid: "2.5.4.9", tag: forge.asn1.Type.UTF8 },
  SERIALNUMBER: { oid: "2.5.4.5", tag: forge.asn1.Type.PRINTABLESTRING },
  E: { oid: "1.2.840.113549.1.9.1", tag: forge.asn1.Type.IA5STRING },
  EMAIL: { oid: "1.2.840.113549.1.9.1", tag: forge.asn1.Type.IA5STRING },
  EMAILADDRESS: { oid: "1.2.840.113549.1.9.1", tag: forge.asn1.Type.IA5STRING },
  DC: { oid: "0.9.2342.19200300.100.1.25", tag: forge.asn1.Type.IA5STRING },
};

/** Parses `CN=web, O=Contoso` (any case, `,` or `;` separated, `\,` escapes) into forge attributes. */
export function subjectAttributes(subject: string): forge.pki.CertificateField[] {
  const parts = subject
    .split(/(?<!\\)[,;]/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return parts.map((part) => {
    const eq = part.indexOf("=");
    const key = eq > 0 ? part.slice(0, eq).trim().toUpperCase() : "";
    const attribute = DN_ATTRIBUTES[key];
    if (!attribute) throw badParameter(`The subject '${subject}' is not a valid X.500 distinguished name.`);
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/\\([,;])/g, "$1");
    return { type: attribute.oid, value, valueTagClass: attribute.tag } as forge.pki.CertificateField;
  });
}

// ---- extensions from a policy ----------------------------------------------------------

const KEY_USAGE_NAMES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

export const KEY_USAGES: readonly string[] = KEY_USAGE_NAMES;

function extensionsOf(policy: StoredPolicy): object[] {
  const x509 = policy.x509_props;
  const extensions: object[] = [];
  if (x509.key_usage && x509.key_usage.length > 0) {
    const usage: Record<string, unknown> = { name: "keyUsage", critical: true };
    for (const name of x509.key_usage) usage[name] = true;
    extensions.push(usage);
  }
  if (x509.ekus && x509.ekus.length > 0) {
    const eku: Record<string, unknown> = { name: "extKeyUsage" };
    // forge wants well-known usages by name (serverAuth, …) and others by OID.
    for (const oid of x509.ekus) eku[(forge.pki.oids as Record<string, string>)[oid] ?? oid] = true;
    extensions.push(eku);
  }
  const sans = x509.sans;
  const altNames: object[] = [];
  for (const dns of sans?.dns_names ?? []) altNames.push({ type: 2, value: dns });
  for (const email of sans?.emails ?? []) altNames.push({ type: 1, value: email });
  for (const uri of sans?.uris ?? []) altNames.push({ type: 6, value: uri });
  for (const ip of sans?.ipAddresses ?? []) altNames.push({ type: 7, ip });
  if (altNames.length > 0) extensions.push({ name: "subjectAltName", altNames });
  extensions.push({ name: "subjectKeyIdentifier" });
  return extensions;
}

function positiveSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString("hex");
}

function addMonths(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  result.setUTCMonth(result.getUTCMonth() + months);
  return result;
}

// ---- creation --------------------------------------------------------------------------

/** A self-signed certificate (issuer `Self`) for an RSA key, after the policy. */
export function createSelfSignedCertificate(
  material: KeyMaterial,
  policy: StoredPolicy,
  now = new Date(),
): Buffer {
  const key = forgePrivateKeyOf(material);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = positiveSerial();
  cert.validity.notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  cert.validity.notAfter = addMonths(cert.validity.notBefore, policy.x509_props.validity_months);
  const subject = subjectAttributes(policy.x509_props.subject);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions(extensionsOf(policy));
  cert.sign(key, forge.md.sha256.create());
  return forgeToDer(forge.pki.certificateToAsn1(cert));
}

/** A PKCS#10 request (base64 DER in the pending operation's `csr`) for an RSA key. */
export function createCsr(material: KeyMaterial, policy: StoredPolicy): Buffer {
  const key = forgePrivateKeyOf(material);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject(subjectAttributes(policy.x509_props.subject));
  const extensions = extensionsOf(policy).filter(
    (e) => (e as { name: string }).name !== "subjectKeyIdentifier",
  );
  if (extensions.length > 0) csr.setAttributes([{ name: "extensionRequest", extensions }]);
  csr.sign(key, forge.md.sha256.create());
  return forgeToDer(forge.pki.certificationRequestToAsn1(csr));
}

/** Unprotected PFX (base64) with the private key when given, and the certificate chain. */
export function buildPfx(material: KeyMaterial | undefined, certificates: Buffer[]): string {
  const key = material ? forgePrivateKeyOf(material) : null;
  const chain = certificates.map(forgeCertificateOf);
  const pfx = forge.pkcs12.toPkcs12Asn1(key, chain, null, { algorithm: "3des" });
  return forgeToDer(pfx).toString("base64");
}

/** PEM text: the private key (PKCS#8) when given, then the certificate chain. */
export function buildPem(material: KeyMaterial | undefined, certificates: Buffer[]): string {
  const key = material ? (material.privateKey.export({ type: "pkcs8", format: "pem" }) as string) : "";
  return key + certificates.map(certificatePem).join("");
}

// ---- reading ---------------------------------------------------------------------------

export interface ParsedCertificate {
  /** Undefined when the content holds no private key. */
  material?: KeyMaterial;
  leaf: Buffer;
  chain: Buffer[];
  format: "pfx" | "pem";
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export function looksLikePem(value: string): boolean {
  return value.includes("-----BEGIN ");
}

function orderChain(
  certificates: Buffer[],
  privateKey: KeyObject | undefined,
): { leaf: Buffer; chain: Buffer[] } {
  let leafIndex = 0;
  if (privateKey) {
    const found = certificates.findIndex((der) => new X509Certificate(der).checkPrivateKey(privateKey));
    if (found < 0) throw badParameter("The private key does not match any certificate in the content.");
    leafIndex = found;
  }
  const leaf = certificates[leafIndex] as Buffer;
  return { leaf, chain: certificates.filter((_, i) => i !== leafIndex) };
}

export function parsePem(text: string, password?: string): ParsedCertificate {
  const certificates: Buffer[] = [];
  let privateKey: KeyObject | undefined;
  for (const match of text.matchAll(PEM_BLOCK)) {
    const type = match[1] as string;
    if (type === "CERTIFICATE") {
      certificates.push(Buffer.from((match[2] as string).replace(/\s+/g, ""), "base64"));
    } else if (type.endsWith("PRIVATE KEY")) {
      try {
        privateKey = createPrivateKey({ key: match[0], format: "pem", passphrase: password });
      } catch {
        throw badParameter("The private key in the specified X.509 PEM certificate content cannot be read.");
      }
    }
  }
  if (certificates.length === 0) {
    throw badParameter("The specified X.509 PEM certificate content does not contain a certificate.");
  }
  for (const der of certificates) {
    try {
      new X509Certificate(der);
    } catch {
      throw badParameter("The specified X.509 PEM certificate content is in an unexpected format.");
    }
  }
  const { leaf, chain } = orderChain(certificates, privateKey);
  return {
    material: privateKey ? materialFromPrivateKey(privateKey) : undefined,
    leaf,
    chain,
    format: "pem",
  };
}

interface ForgeBag {
  key?: forge.pki.PrivateKey | null;
  cert?: forge.pki.Certificate | null;
  asn1?: forge.asn1.Asn1;
}

export function parsePfx(base64: string, password?: string): ParsedCertificate {
  const unreadable = () =>
    badParameter(
      "The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format.",
    );
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length === 0) throw unreadable();
  let p12: forge.pkcs12.Pkcs12Pfx | undefined;
  // Without a password, the MAC may be keyed with an empty password or with none at all.
  const attempts = password ? [password] : ["", undefined];
  for (const attempt of attempts) {
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(derToForgeAsn1(bytes), false, attempt as string);
      break;
    } catch {
      // try the next convention
    }
  }
  if (!p12) throw unreadable();
  const bagsOf = (type: string): ForgeBag[] => (p12.getBags({ bagType: type })[type] ?? []) as ForgeBag[];
  const keyBags = [
    ...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag as string),
    ...bagsOf(forge.pki.oids.keyBag as string),
  ];
  const certBags = bagsOf(forge.pki.oids.certBag as string);
  let privateKey: KeyObject | undefined;
  const keyBag = keyBags[0];
  if (keyBag) {
    const info = keyBag.key
      ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key))
      : (keyBag.asn1 as forge.asn1.Asn1);
    privateKey = createPrivateKey({ key: forgeToDer(info), format: "der", type: "pkcs8" });
  }
  const certificates = certBags.map((bag) =>
    bag.cert ? forgeToDer(forge.pki.certificateToAsn1(bag.cert)) : forgeToDer(bag.asn1 as forge.asn1.Asn1),
  );
  if (certificates.length === 0) throw unreadable();
  const { leaf, chain } = orderChain(certificates, privateKey);
  return {
    material: privateKey ? materialFromPrivateKey(privateKey) : undefined,
    leaf,
    chain,
    format: "pfx",
  };
}

/** PEM text of a certificate secret stored as PFX (for `outContentType`). */
export function pfxToPem(base64: string): string {
  const parsed = parsePfx(base64);
  return buildPem(parsed.material, [parsed.leaf, ...parsed.chain]);
}

// ---- describing ------------------------------------------------------------------------

export interface CertificateFacts {
  subject: string;
  sans: NonNullable<StoredPolicy["x509_props"]["sans"]>;
  ekus?: string[];
  keyUsage?: string[];
  notBefore: Date;
  notAfter: Date;
  validityMonths: number;
}

const SAN_FIELDS: Record<string, keyof CertificateFacts["sans"]> = {
  DNS: "dns_names",
  email: "emails",
  URI: "uris",
  "IP Address": "ipAddresses",
};

/** What an imported certificate says about itself, for its policy and attributes. */
export function describeCertificate(der: Buffer): CertificateFacts {
  const x509 = new X509Certificate(der);
  const subject = x509.subject
    .split("\n")
    .filter((s) => s.length > 0)
    .join(", ");
  const sans: CertificateFacts["sans"] = {};
  for (const entry of (x509.subjectAltName ?? "").split(", ")) {
    const colon = entry.indexOf(":");
    if (colon < 0) continue;
    const kind = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    const field = SAN_FIELDS[kind];
    if (field) sans[field] = [...(sans[field] ?? []), value];
  }
  const notBefore = new Date(x509.validFrom);
  const notAfter = new Date(x509.validTo);
  const validityMonths = Math.max(
    1,
    Math.round((notAfter.getTime() - notBefore.getTime()) / (30.4375 * 86_400_000)),
  );
  const facts: CertificateFacts = { subject, sans, notBefore, notAfter, validityMonths };
  if (x509.keyUsage && x509.keyUsage.length > 0) facts.ekus = [...x509.keyUsage];
  try {
    const usage = forge.pki.certificateFromAsn1(derToForgeAsn1(der)).getExtension("keyUsage") as
      | Record<string, unknown>
      | undefined;
    if (usage) facts.keyUsage = KEY_USAGE_NAMES.filter((name) => usage[name] === true);
  } catch {
    // forge reads RSA certificates only; EC certificates keep no key usage in their policy
  }
  return facts;
}

/** True when the certificate carries the public key of `material`. */
export function certificateMatchesKey(der: Buffer, material: KeyMaterial): boolean {
  return new X509Certificate(der).checkPrivateKey(material.privateKey);
}
