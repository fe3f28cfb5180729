import type { DataPlaneItem } from "@dataplane/core";

/**
 * The items this plugin discovers. Every property is a JSON value (dates are ISO strings) and
 * none holds a secret value, a private key or a password.
 */

export const ITEM_KINDS = [
  "secret",
  "key",
  "certificate",
  "certificate-issuer",
  "certificate-contacts",
] as const;

export type KeyVaultItemKind = (typeof ITEM_KINDS)[number];

export type Tags = { [name: string]: string };

/** Attributes every Key Vault object version has. */
export type ObjectAttributes = {
  enabled: boolean;
  notBefore?: string;
  expiresOn?: string;
  createdOn?: string;
  updatedOn?: string;
  /** e.g. `Recoverable+Purgeable`; tells whether the vault allows purging. */
  recoveryLevel?: string;
  recoverableDays?: number;
};

export type SecretVersionProperties = ObjectAttributes & {
  version: string;
  contentType?: string;
  tags: Tags;
};

export type SecretProperties = ObjectAttributes & {
  /** The current version's id segment; listings do not show it, so it is known with `--versions all`. */
  version?: string;
  contentType?: string;
  tags: Tags;
  /** The current version's id (versioned when the version is known). */
  id: string;
  vaultUrl: string;
  /** Every version in write order (oldest `createdOn` first, the current one last), with `--versions all`. */
  versions?: SecretVersionProperties[];
};

export type KeyRotationActionJson = {
  action: string;
  timeAfterCreate?: string;
  timeBeforeExpiry?: string;
};

export type KeyRotationPolicyJson = {
  expiresIn?: string;
  lifetimeActions: KeyRotationActionJson[];
};

export type KeyReleasePolicyJson = {
  contentType?: string;
  immutable?: boolean;
  /** The policy document (base64); it holds no key material. */
  encodedPolicy?: string;
};

export type KeyVersionProperties = ObjectAttributes & {
  version: string;
  tags: Tags;
};

export type KeyProperties = KeyVersionProperties & {
  id: string;
  vaultUrl: string;
  /** JSON Web Key type: `RSA`, `RSA-HSM`, `EC`, `EC-HSM`, `oct`, `oct-HSM`. */
  keyType: string;
  /** RSA modulus size in bits. */
  keySize?: number;
  /** EC curve: `P-256`, `P-384`, `P-521`, `P-256K`. */
  curve?: string;
  keyOps: string[];
  exportable: boolean;
  /** Key material lives in an HSM (`-HSM` key types). */
  hsm: boolean;
  hsmPlatform?: string;
  /**
   * SHA-256 (hex) of the current version's PUBLIC key — RSA `n` and `e`, EC curve, `x` and `y` —
   * so two keys can be told apart without key material; absent for symmetric keys.
   */
  publicKeySha256?: string;
  releasePolicy?: KeyReleasePolicyJson;
  rotationPolicy?: KeyRotationPolicyJson;
  versions?: KeyVersionProperties[];
};

export type SubjectAlternativeNamesJson = {
  dnsNames?: string[];
  emails?: string[];
  userPrincipalNames?: string[];
  ipAddresses?: string[];
  uniformResourceIdentifiers?: string[];
};

export type LifetimeActionJson = {
  action: string;
  daysBeforeExpiry?: number;
  lifetimePercentage?: number;
};

export type CertificatePolicyJson = {
  issuerName?: string;
  certificateType?: string;
  certificateTransparency?: boolean;
  subject?: string;
  subjectAlternativeNames?: SubjectAlternativeNamesJson;
  keyType?: string;
  keySize?: number;
  keyCurveName?: string;
  exportable?: boolean;
  reuseKey?: boolean;
  keyUsage?: string[];
  enhancedKeyUsage?: string[];
  validityInMonths?: number;
  /** `application/x-pkcs12` (PFX) or `application/x-pem-file` (PEM). */
  contentType?: string;
  lifetimeActions?: LifetimeActionJson[];
  enabled?: boolean;
};

export type CertificateVersionProperties = ObjectAttributes & {
  version: string;
  /** SHA-1 thumbprint, hex. */
  thumbprint?: string;
  tags: Tags;
};

export type CertificateProperties = CertificateVersionProperties & {
  id: string;
  vaultUrl: string;
  policy: CertificatePolicyJson;
  versions?: CertificateVersionProperties[];
};

export type AdministratorContactJson = {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
};

export type IssuerProperties = {
  vaultUrl: string;
  provider?: string;
  accountId?: string;
  organizationId?: string;
  administratorContacts?: AdministratorContactJson[];
  enabled?: boolean;
  /** The issuer has a password (never shown; copied by replicate, a variable in Terraform). */
  hasPassword: boolean;
};

export type CertificateContactJson = { email?: string; name?: string; phone?: string };

export type ContactsProperties = {
  vaultUrl: string;
  contacts: CertificateContactJson[];
};

export type SecretItem = DataPlaneItem<"secret", SecretProperties>;
export type KeyItem = DataPlaneItem<"key", KeyProperties>;
export type CertificateItem = DataPlaneItem<"certificate", CertificateProperties>;
export type IssuerItem = DataPlaneItem<"certificate-issuer", IssuerProperties>;
export type ContactsItem = DataPlaneItem<"certificate-contacts", ContactsProperties>;

export type KeyVaultItem = SecretItem | KeyItem | CertificateItem | IssuerItem | ContactsItem;

/** Stable, unique item keys: plans, shards and checkpoints are keyed by them. */
export const itemKey = {
  secret: (name: string) => `secret/${name}`,
  key: (name: string) => `key/${name}`,
  certificate: (name: string) => `certificate/${name}`,
  issuer: (name: string) => `certificate-issuer/${name}`,
  contacts: () => "certificate-contacts",
} as const;

/** Narrows an item from any source (a discovery file, another plugin) to this plugin's items. */
export function isKeyVaultItem(item: DataPlaneItem): item is KeyVaultItem {
  return (ITEM_KINDS as readonly string[]).includes(item.kind);
}
