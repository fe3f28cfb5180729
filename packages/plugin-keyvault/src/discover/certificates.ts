import type {
  CertificatePolicy,
  KeyVaultCertificateWithPolicy,
  CertificateProperties as SdkCertificateProperties,
} from "@azure/keyvault-certificates";
import type { AbortSignalLike } from "@dataplane/core";
import { filterDefined, mapInOrder } from "@dataplane/core";
import {
  type CertificateItem,
  type CertificatePolicyJson,
  type CertificateVersionProperties,
  itemKey,
  type SubjectAlternativeNamesJson,
} from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { isNotFound } from "../vault/errors.js";
import { bytesToHex, defined, tagsOf } from "../vault/json.js";
import { attributesOf, historyOrder, objectId, versionOfId } from "./attributes.js";

export function certificateVersionOf(p: SdkCertificateProperties): CertificateVersionProperties {
  const thumbprint = p.x509ThumbprintString ?? bytesToHex(p.x509Thumbprint);
  return {
    version: p.version ?? versionOfId(p.id) ?? "",
    ...attributesOf(p),
    ...defined({ thumbprint: thumbprint?.toLowerCase() }),
    tags: tagsOf(p.tags),
  };
}

function list(values: readonly string[] | undefined): string[] | undefined {
  return values && values.length > 0 ? [...values] : undefined;
}

/** The certificate policy as JSON: issuer, subject, SANs, key properties, lifetime actions… */
export function policyOf(policy: CertificatePolicy | undefined): CertificatePolicyJson {
  if (!policy) return {};
  const sans = (policy as { subjectAlternativeNames?: Partial<SubjectAlternativeNamesJson> })
    .subjectAlternativeNames;
  const subjectAlternativeNames: SubjectAlternativeNamesJson | undefined = sans
    ? defined({
        dnsNames: list(sans.dnsNames),
        emails: list(sans.emails),
        userPrincipalNames: list(sans.userPrincipalNames),
        ipAddresses: list(sans.ipAddresses),
        uniformResourceIdentifiers: list(sans.uniformResourceIdentifiers),
      })
    : undefined;
  const subject = (policy as { subject?: string }).subject;
  return defined({
    issuerName: policy.issuerName,
    certificateType: policy.certificateType,
    certificateTransparency: policy.certificateTransparency,
    subject: subject === "" ? undefined : subject,
    subjectAlternativeNames:
      subjectAlternativeNames && Object.keys(subjectAlternativeNames).length > 0
        ? subjectAlternativeNames
        : undefined,
    keyType: policy.keyType,
    keySize: policy.keySize,
    keyCurveName: policy.keyCurveName,
    exportable: policy.exportable,
    reuseKey: policy.reuseKey,
    keyUsage: list(policy.keyUsage?.map(String)),
    enhancedKeyUsage: list(policy.enhancedKeyUsage),
    validityInMonths: policy.validityInMonths,
    contentType: policy.contentType,
    lifetimeActions: policy.lifetimeActions?.map((a) =>
      defined({
        action: a.action ?? "EmailContacts",
        daysBeforeExpiry: a.daysBeforeExpiry,
        lifetimePercentage: a.lifetimePercentage,
      }),
    ),
    enabled: policy.enabled,
  });
}

/** Every version, in write order (`historyOrder`): `current` (what GET returns) last when given. */
export async function listCertificateVersions(
  clients: VaultClients,
  name: string,
  signal?: AbortSignalLike,
  current?: string,
): Promise<CertificateVersionProperties[]> {
  const versions: CertificateVersionProperties[] = [];
  for await (const p of clients.certificates.listPropertiesOfCertificateVersions(
    name,
    abortOptions(signal),
  )) {
    versions.push(certificateVersionOf(p));
  }
  return historyOrder(versions, current);
}

export function certificateItemOf(
  certificate: KeyVaultCertificateWithPolicy,
  vaultUrl: string,
  resourceId: string,
  versions?: CertificateVersionProperties[],
): CertificateItem {
  const current = certificateVersionOf(certificate.properties);
  const id = objectId(vaultUrl, "certificates", certificate.name);
  // The current version is the one GET returned: it goes last, whatever the creation times say.
  const history = versions && current.version ? historyOrder(versions, current.version) : versions;
  return {
    kind: "certificate",
    key: itemKey.certificate(certificate.name),
    name: certificate.name,
    sourceResourceId: resourceId,
    properties: {
      ...current,
      id: current.version ? `${id}/${current.version}` : id,
      vaultUrl,
      policy: policyOf(certificate.policy),
      ...(history ? { versions: history } : {}),
    },
  };
}

export async function readCertificateItem(
  clients: VaultClients,
  name: string,
  resourceId: string,
  options: { readonly versions: "latest" | "all"; readonly signal?: AbortSignalLike },
): Promise<CertificateItem | undefined> {
  const abort = abortOptions(options.signal);
  try {
    const [certificate, versions] = await Promise.all([
      clients.certificates.getCertificate(name, abort),
      options.versions === "all" ? listCertificateVersions(clients, name, options.signal) : undefined,
    ]);
    return certificateItemOf(certificate, clients.vaultUrl, resourceId, versions);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Streams the vault's certificates: policy, thumbprint and validity; never the PFX. */
export function discoverCertificates(
  clients: VaultClients,
  resourceId: string,
  options: {
    readonly versions: "latest" | "all";
    readonly signal?: AbortSignalLike;
    readonly concurrency?: number;
  },
): AsyncIterable<CertificateItem> {
  const abort = abortOptions(options.signal);
  async function* names(): AsyncIterable<string> {
    for await (const p of clients.certificates.listPropertiesOfCertificates(abort)) {
      if (p.name) yield p.name;
    }
  }
  return filterDefined(
    mapInOrder(names(), options.concurrency ?? 8, (name) =>
      readCertificateItem(clients, name, resourceId, options),
    ),
  );
}
