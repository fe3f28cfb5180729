import type { AzureResource, DiscoverContext } from "@dataplane/core";
import { blobServiceClient, shareServiceClient } from "../access/clients.js";
import { accountCredential } from "../access/credentials.js";
import { accountEndpoints, requireEndpoint } from "../access/endpoints.js";
import type { StorageItem } from "../items.js";
import { readSettings } from "../options.js";
import { listBlobs, listContainers } from "./blobs.js";
import { listShares, walkShare } from "./files.js";

/**
 * Streams an account's items: each container followed by its blobs, then each share followed
 * by its directories and files (parents before children). Nothing is held beyond a page.
 */
export async function* discoverAccount(
  resource: AzureResource,
  context: DiscoverContext,
): AsyncIterable<StorageItem> {
  const settings = readSettings(context.options);
  const endpoints = accountEndpoints(resource);
  const credential = accountCredential(context.access, endpoints.accountName, context.redactor);
  const side = context.access.side;
  const wantBlobs = settings.blobs && (endpoints.blob !== undefined || !settings.files);
  const wantFiles = settings.files && (endpoints.file !== undefined || !settings.blobs);

  if (wantBlobs) {
    const service = blobServiceClient(
      requireEndpoint(endpoints, "blob", resource),
      credential,
      context.http,
      side,
    );
    for await (const container of listContainers(service, settings.containerFilter, resource.id)) {
      yield container;
      yield* listBlobs(
        service,
        container.name,
        { prefix: settings.prefix, tags: settings.tags, countSnapshots: settings.countSnapshots },
        resource.id,
      );
    }
  }
  if (wantFiles) {
    const service = shareServiceClient(
      requireEndpoint(endpoints, "file", resource),
      credential,
      context.http,
      side,
    );
    for await (const share of listShares(service, settings.shareFilter, resource.id)) {
      yield share;
      if (share.properties.protocol.toUpperCase() === "NFS") continue;
      yield* walkShare(service, share.name, { prefix: settings.prefix, details: true }, resource.id);
    }
  }
}
