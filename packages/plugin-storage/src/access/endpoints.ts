import { type AzureResource, DataplaneError, ErrorCodes, resourceProperty } from "@dataplane/core";

/** The blob and file endpoints of a storage account, from its ARM document. */
export interface AccountEndpoints {
  readonly accountName: string;
  /** `https://<account>.blob.core.windows.net/` or an emulator's `http://127.0.0.1:PORT/<account>/`. */
  readonly blob?: string;
  readonly file?: string;
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function accountEndpoints(resource: AzureResource): AccountEndpoints {
  const blob = resourceProperty(resource, "primaryEndpoints.blob");
  const file = resourceProperty(resource, "primaryEndpoints.file");
  if (!blob && !file) {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `the storage account ${resource.name} has no properties.primaryEndpoints.blob or .file`,
      { hint: "Give the document `az storage account show` (or `az resource show`) prints for the account" },
    );
  }
  return {
    accountName: resource.name,
    ...(blob ? { blob: withSlash(blob) } : {}),
    ...(file ? { file: withSlash(file) } : {}),
  };
}

export function requireEndpoint(
  endpoints: AccountEndpoints,
  service: "blob" | "file",
  resource: AzureResource,
): string {
  const url = endpoints[service];
  if (!url) {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `the storage account ${resource.name} has no ${service} endpoint (properties.primaryEndpoints.${service})`,
      {
        hint: `Add the endpoint to the resource document, or pass --services ${service === "blob" ? "file" : "blob"}`,
      },
    );
  }
  return url;
}
