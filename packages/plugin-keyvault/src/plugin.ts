import { type DataPlanePlugin, DataplaneError, definePlugin, ErrorCodes } from "@dataplane/core";
import { discoverVault } from "./discover/discover.js";
import { generateTerraform } from "./generate/terraform.js";
import { ITEM_KINDS } from "./items.js";
import { OPTION_SPECS } from "./options.js";
import { PERMISSIONS } from "./permissions.js";
import { replicateVault } from "./replicate/replicate.js";
import { vaultUriOf } from "./vault/endpoint.js";
import { PLUGIN_VERSION } from "./version.js";

export const PLUGIN_NAME = "keyvault";
export const RESOURCE_TYPE = "Microsoft.KeyVault/vaults";

/** Builds the Key Vault plugin: plain data and functions, no shared classes. */
export function createKeyVaultPlugin(): DataPlanePlugin {
  return definePlugin({
    name: PLUGIN_NAME,
    version: PLUGIN_VERSION,
    description:
      "Azure Key Vault: secrets (all versions), keys, certificates, certificate issuers and contacts",
    resourceTypes: [RESOURCE_TYPE],
    itemKinds: [...ITEM_KINDS],
    options: OPTION_SPECS,
    permissions: PERMISSIONS,
    formats: ["terraform"],
    // checked once before a run (closed port, wrong scheme, not a vault): the SDK needs https
    endpoints: (resource) => [{ url: vaultUriOf(resource), httpsOnly: true, service: "Key Vault" }],
    discover: (resource, context) => discoverVault(resource, context),
    async generate(items, format, context) {
      if (format !== "terraform") {
        throw new DataplaneError(ErrorCodes.Unsupported, `the keyvault plugin cannot generate ${format}`, {
          hint: "Use --format terraform",
        });
      }
      return generateTerraform(items, context);
    },
    replicate: (source, target, context) => replicateVault(PLUGIN_NAME, source, target, context),
  });
}

/** The plugin, ready to register. */
export const keyVaultPlugin: DataPlanePlugin = createKeyVaultPlugin();
