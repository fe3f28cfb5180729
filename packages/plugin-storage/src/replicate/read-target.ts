import type { BlobServiceClient } from "@azure/storage-blob";
import type { ShareServiceClient } from "@azure/storage-file-share";
import type { BlobEntry } from "../discover/blob-listing.js";
import { base64 } from "../discover/blobs.js";
import { normalizeAttributes } from "../discover/files.js";
import type { PublicAccess, StorageItem } from "../items.js";
import { isNotFound } from "../util/errors.js";
import { blobTarget, type StorageTarget } from "./targets.js";

function iso(date: Date | undefined): string | undefined {
  return date?.toISOString();
}

/**
 * The target's current state of one item, read directly: the engine asks for it before it
 * plans an item again after a failed attempt (a copy may have landed before the connection
 * was lost), so a retry never redoes a write that succeeded.
 */
export async function readTarget(
  item: StorageItem,
  target: { readonly blob?: BlobServiceClient; readonly file?: ShareServiceClient },
  tags: boolean,
): Promise<StorageTarget | undefined> {
  try {
    switch (item.kind) {
      case "container": {
        if (!target.blob) return undefined;
        const client = target.blob.getContainerClient(item.properties.container);
        const [props, policy] = await Promise.all([client.getProperties(), client.getAccessPolicy()]);
        return {
          kind: "container",
          key: item.key,
          metadata: props.metadata ?? {},
          publicAccess: (policy.blobPublicAccess ?? "none") as PublicAccess,
        };
      }
      case "blob": {
        if (!target.blob) return undefined;
        const client = target.blob
          .getContainerClient(item.properties.container)
          .getBlobClient(item.properties.name);
        const p = await client.getProperties();
        const md5 = base64(p.contentMD5);
        const entry: BlobEntry = {
          name: item.properties.name,
          properties: {
            lastModified: iso(p.lastModified) ?? "",
            etag: p.etag ?? "",
            contentLength: p.contentLength ?? 0,
            ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
            ...(p.contentEncoding ? { contentEncoding: p.contentEncoding } : {}),
            ...(p.contentLanguage ? { contentLanguage: p.contentLanguage } : {}),
            ...(md5 ? { contentMD5: md5 } : {}),
            ...(p.cacheControl ? { cacheControl: p.cacheControl } : {}),
            ...(p.contentDisposition ? { contentDisposition: p.contentDisposition } : {}),
            ...(p.blobType ? { blobType: p.blobType } : {}),
            ...(p.accessTier ? { accessTier: p.accessTier } : {}),
          },
          metadata: p.metadata ?? {},
          ...(tags ? { tags: p.tagCount ? (await client.getTags()).tags : {} } : {}),
        };
        return blobTarget(item.properties.container, entry, tags);
      }
      case "share": {
        if (!target.file) return undefined;
        const p = await target.file.getShareClient(item.properties.share).getProperties();
        return {
          kind: "share",
          key: item.key,
          ...(p.quota !== undefined ? { quota: p.quota } : {}),
          ...(p.accessTier ? { accessTier: p.accessTier } : {}),
          metadata: p.metadata ?? {},
        };
      }
      case "directory": {
        if (!target.file) return undefined;
        const share = target.file.getShareClient(item.properties.share);
        const p = await share.getDirectoryClient(item.properties.path).getProperties();
        const attributes = normalizeAttributes(p.fileAttributes);
        const creationTime = iso(p.fileCreatedOn);
        const lastModified = iso(p.lastModified);
        return {
          kind: "directory",
          key: item.key,
          ...(attributes ? { attributes } : {}),
          ...(creationTime ? { creationTime } : {}),
          ...(p.filePermissionKey ? { permissionKey: p.filePermissionKey } : {}),
          ...(lastModified ? { lastModified } : {}),
        };
      }
      case "file": {
        if (!target.file) return undefined;
        const share = target.file.getShareClient(item.properties.share);
        const p = await share.rootDirectoryClient.getFileClient(item.properties.path).getProperties();
        const attributes = normalizeAttributes(p.fileAttributes);
        const lastWriteTime = iso(p.fileLastWriteOn);
        const lastModified = iso(p.lastModified);
        return {
          kind: "file",
          key: item.key,
          path: item.properties.path,
          size: p.contentLength ?? 0,
          ...(attributes ? { attributes } : {}),
          ...(lastWriteTime ? { lastWriteTime } : {}),
          ...(lastModified ? { lastModified } : {}),
        };
      }
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
