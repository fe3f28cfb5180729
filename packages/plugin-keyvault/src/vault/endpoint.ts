import { type AzureResource, DataplaneError, ErrorCodes, resourceProperty } from "@dataplane/core";

/** The vault's data-plane endpoint, `properties.vaultUri`, with a trailing slash. */
export function vaultUriOf(resource: AzureResource): string {
  const uri = resourceProperty(resource, "vaultUri");
  if (!uri) {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `resource ${resource.name} has no properties.vaultUri`,
      {
        hint: "Give the document `az keyvault show` or `az resource show --ids <vault id>` prints (it has properties.vaultUri)",
      },
    );
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `resource ${resource.name} has an invalid vaultUri ${JSON.stringify(uri)}`,
      { hint: "properties.vaultUri must be an absolute https URL, e.g. https://my-vault.vault.azure.net/" },
    );
  }
  return url.href.endsWith("/") ? url.href : `${url.href}/`;
}
