import { readFileSync } from "node:fs";
import { definePlugin } from "@dataplane/core";
import { accountEndpoints } from "./access/endpoints.js";
import { explainStorageAccessFailure } from "./auth-errors.js";
import { discoverAccount } from "./discover/discover.js";
import { generateTerraform } from "./generate/terraform.js";
import { ITEM_KINDS } from "./items.js";
import { OPTION_SPECS } from "./options.js";
import { PERMISSIONS } from "./permissions.js";
import { PLUGIN_NAME, replicateAccount } from "./replicate/replicate.js";

const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** The storage plugin: blob containers and blobs, file shares, directories and files. */
export const storagePlugin = definePlugin({
  name: PLUGIN_NAME,
  version: VERSION,
  description:
    "Azure Storage: blob containers and blobs, file shares, directories and files (server-side copies)",
  resourceTypes: ["Microsoft.Storage/storageAccounts"],
  itemKinds: ITEM_KINDS,
  // for --include: a container holds its blobs, a share and a directory what lies below them
  itemHolders: { container: ["blob"], share: ["directory", "file"], directory: ["directory", "file"] },
  options: OPTION_SPECS,
  permissions: PERMISSIONS,
  formats: ["terraform"],
  explainAccessFailure: explainStorageAccessFailure,
  // checked once before a run; the service answers an unauthenticated service-properties GET
  // with its x-ms-* headers (the root alone gets a bare 400 from Azurite)
  endpoints: (resource) => {
    const { blob, file } = accountEndpoints(resource);
    const probe = (url: string) => `${url}?restype=service&comp=properties`;
    return [
      ...(blob ? [{ url: blob, probeUrl: probe(blob), service: "Blob service" }] : []),
      ...(file ? [{ url: file, probeUrl: probe(file), service: "File service" }] : []),
    ];
  },
  discover: discoverAccount,
  generate: generateTerraform,
  replicate: replicateAccount,
});
