import type { PermissionRequirement } from "@dataplane/core";

const READER = {
  role: "Storage Table Data Reader",
  roleDefinitionId: "76199698-9eea-4c19-bc75-cec21354c6b6",
};
const CONTRIBUTOR = {
  role: "Storage Table Data Contributor",
  roleDefinitionId: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
};

/**
 * Roles per side and verb, for Entra ID. With an account key or a SAS in the config none of
 * these apply (the key grants everything; a SAS grants what it was signed for).
 */
export const PERMISSIONS: readonly PermissionRequirement[] = [
  { side: "source", for: "discover", ...READER, reason: "list tables and read entities" },
  { side: "source", for: "template", ...READER, reason: "list tables" },
  { side: "source", for: "replication", ...READER, reason: "list tables and read entities" },
  { side: "target", for: "template", ...CONTRIBUTOR, reason: "create tables" },
  { side: "target", for: "replication", ...CONTRIBUTOR, reason: "create tables and upsert entities" },
];
