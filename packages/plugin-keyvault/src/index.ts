// @dataplane/plugin-keyvault — Azure Key Vault for dataplane: discover, generate Terraform, replicate.

export { default as register } from "./dataplane-plugin.js";
export type {
  AdministratorContactJson,
  CertificateContactJson,
  CertificateItem,
  CertificatePolicyJson,
  CertificateProperties,
  CertificateVersionProperties,
  ContactsItem,
  ContactsProperties,
  IssuerItem,
  IssuerProperties,
  KeyItem,
  KeyProperties,
  KeyReleasePolicyJson,
  KeyRotationPolicyJson,
  KeyVaultItem,
  KeyVaultItemKind,
  KeyVersionProperties,
  LifetimeActionJson,
  ObjectAttributes,
  SecretItem,
  SecretProperties,
  SecretVersionProperties,
  SubjectAlternativeNamesJson,
  Tags,
} from "./items.js";
export { ITEM_KINDS, isKeyVaultItem, itemKey } from "./items.js";
export {
  type KeyStrategy,
  type KeyVaultOptions,
  OPTION_SPECS,
  type Pace,
  readOptions,
  type VersionsOption,
} from "./options.js";
export { PERMISSIONS, ROLES } from "./permissions.js";
export { createKeyVaultPlugin, keyVaultPlugin, PLUGIN_NAME, RESOURCE_TYPE } from "./plugin.js";
export { PLACEHOLDER_TAG, PLACEHOLDER_VALUE } from "./replicate/placeholder.js";
export { classifyRequest, KEY_VAULT_LIMITS, LimitClass } from "./vault/limits.js";
export { type BackupPlacement, backupPlacement } from "./vault/placement.js";
