// @dataplane/plugin-storage — Azure Storage for dataplane: blob containers and blobs, file
// shares, directories and files. Discover (streamed), generate Terraform, replicate server-side.

export { SAS_LIFETIME_MS, SAS_RENEW_BEFORE_MS } from "./access/source-sas.js";
export { default as register } from "./dataplane-plugin.js";
export { discoverAccount } from "./discover/discover.js";
export { generateTerraform } from "./generate/terraform.js";
export type {
  BlobItem,
  BlobProperties,
  BlobType,
  ContainerItem,
  ContainerProperties,
  ContentHeaders,
  DirectoryItem,
  DirectoryProperties,
  FileItem,
  FileProperties,
  PublicAccess,
  ShareItem,
  ShareProperties,
  SmbProperties,
  StorageItem,
  StorageItemKind,
} from "./items.js";
export { ITEM_KINDS, keys } from "./items.js";
export { OPTION_SPECS, readSettings, type StorageSettings } from "./options.js";
export { PERMISSIONS } from "./permissions.js";
export { storagePlugin } from "./plugin.js";
export { PROVENANCE_KEY } from "./replicate/provenance.js";
export { replicateAccount } from "./replicate/replicate.js";
