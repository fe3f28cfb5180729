import type { PermissionRequirement } from "@dataplane/core";

/** Built-in Azure RBAC roles for Key Vault's data plane (role definition ids are global). */
export const ROLES = {
  reader: { role: "Key Vault Reader", roleDefinitionId: "21090545-7ca7-4776-b22c-e363652d74d2" },
  secretsUser: { role: "Key Vault Secrets User", roleDefinitionId: "4633458b-17de-408a-b874-0445c86b69e6" },
  secretsOfficer: {
    role: "Key Vault Secrets Officer",
    roleDefinitionId: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  },
  certificatesOfficer: {
    role: "Key Vault Certificates Officer",
    roleDefinitionId: "a4417e6f-fecd-4de8-b567-7b0420556985",
  },
  cryptoOfficer: {
    role: "Key Vault Crypto Officer",
    roleDefinitionId: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
  },
} as const;

/** Least privilege per side and verb or mode. */
export const PERMISSIONS: readonly PermissionRequirement[] = [
  {
    side: "source",
    for: "discover",
    ...ROLES.reader,
    reason: "list secrets, keys, certificates, policies, issuers and contacts (metadata only, never values)",
  },
  {
    side: "source",
    for: "template",
    ...ROLES.reader,
    reason: "read metadata and parameters; template mode reads no secret value",
  },
  {
    side: "source",
    for: "replication",
    ...ROLES.reader,
    reason: "read metadata, key parameters, certificate policies, issuers and contacts",
  },
  {
    side: "source",
    for: "replication",
    ...ROLES.secretsUser,
    reason: "read secret values and the PFX/PEM of exportable certificates",
  },
  {
    side: "source",
    for: "replication",
    ...ROLES.cryptoOfficer,
    reason:
      "back up keys (--key-strategy backup-restore, same subscription and geography); not needed with --key-strategy recreate",
  },
  {
    side: "source",
    for: "replication",
    ...ROLES.secretsOfficer,
    reason: "back up disabled secrets (same subscription and geography only)",
  },
  {
    side: "source",
    for: "replication",
    ...ROLES.certificatesOfficer,
    reason:
      "read issuer credentials and back up non-exportable certificates (same subscription and geography)",
  },
  {
    side: "target",
    for: "template",
    ...ROLES.secretsOfficer,
    reason: "create placeholder secrets, recover or purge soft-deleted names",
  },
  {
    side: "target",
    for: "template",
    ...ROLES.cryptoOfficer,
    reason: "create keys from their parameters",
  },
  {
    side: "target",
    for: "template",
    ...ROLES.certificatesOfficer,
    reason: "create certificates from their policy; set issuers and contacts",
  },
  {
    side: "target",
    for: "replication",
    ...ROLES.secretsOfficer,
    reason: "read and write secrets (compare digests, write versions), restore backups, recover or purge",
  },
  {
    side: "target",
    for: "replication",
    ...ROLES.cryptoOfficer,
    reason: "restore or create keys, set rotation policies, recover or purge",
  },
  {
    side: "target",
    for: "replication",
    ...ROLES.certificatesOfficer,
    reason: "import, restore or create certificates; set issuers and contacts; recover or purge",
  },
];
