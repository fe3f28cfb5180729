import type { PermissionRequirement } from "@dataplane/core";

/** Built-in Azure role definition ids. */
const ROLES = {
  blobReader: { role: "Storage Blob Data Reader", roleDefinitionId: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1" },
  blobContributor: {
    role: "Storage Blob Data Contributor",
    roleDefinitionId: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  },
  blobOwner: { role: "Storage Blob Data Owner", roleDefinitionId: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b" },
  fileReader: {
    role: "Storage File Data Privileged Reader",
    roleDefinitionId: "b8eda974-7b85-4f76-af95-65846b26df6d",
  },
  fileContributor: {
    role: "Storage File Data Privileged Contributor",
    roleDefinitionId: "69566ab7-960f-475b-8e7c-b3118f30c6bd",
  },
} as const;

/**
 * Roles per side and verb, for Entra ID. With an account key or a SAS in the config none of
 * these apply (the key grants everything; a SAS grants what it was signed for).
 */
export const PERMISSIONS: readonly PermissionRequirement[] = [
  {
    side: "source",
    for: "discover",
    ...ROLES.blobReader,
    reason: "list containers and blobs with their properties",
  },
  {
    side: "source",
    for: "discover",
    ...ROLES.blobOwner,
    reason:
      "read blob index tags (only with --blob-tags copy, the default; Reader is enough with --blob-tags skip)",
  },
  {
    side: "source",
    for: "discover",
    ...ROLES.fileReader,
    reason: "list shares, directories and files over OAuth",
  },
  {
    side: "source",
    for: "replication",
    ...ROLES.blobReader,
    reason: "issue the user delegation key behind the read-only SAS the target copies from",
  },
  { side: "source", for: "replication", ...ROLES.fileReader, reason: "read files and their SMB permissions" },
  {
    side: "target",
    for: "template",
    ...ROLES.blobContributor,
    reason: "create containers and set their properties",
  },
  { side: "target", for: "template", ...ROLES.fileContributor, reason: "create shares and directories" },
  {
    side: "target",
    for: "replication",
    ...ROLES.blobContributor,
    reason: "create containers and copy blobs",
  },
  {
    side: "target",
    for: "replication",
    ...ROLES.blobOwner,
    reason: "set blob index tags (only with --blob-tags copy, the default)",
  },
  {
    side: "target",
    for: "replication",
    ...ROLES.fileContributor,
    reason: "create shares, directories and files with their SMB properties",
  },
];
