import { readFileSync } from "node:fs";
import { definePlugin } from "@dataplane/core";
import { discoverTables } from "./discover/discover.js";
import { generateTerraform } from "./generate/terraform.js";
import { ITEM_KINDS } from "./items.js";
import { OPTION_SPECS } from "./options.js";
import { PERMISSIONS } from "./permissions.js";
import { PLUGIN_NAME, replicateTables } from "./replicate/replicate.js";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** Azure Table Storage: tables and their entities, in storage accounts. */
export const tablesPlugin = definePlugin({
  name: PLUGIN_NAME,
  version,
  description: "Azure Table Storage: tables and entities",
  // @dataplane/plugin-storage serves the same type for blobs and files: each runs for its kinds.
  resourceTypes: ["Microsoft.Storage/storageAccounts"],
  itemKinds: ITEM_KINDS,
  options: OPTION_SPECS,
  permissions: PERMISSIONS,
  formats: ["terraform"],
  discover: discoverTables,
  generate: generateTerraform,
  replicate: replicateTables,
});
