import type {
  DirectoryItem as SdkDirectoryItem,
  FileItem as SdkFileItem,
  ShareClient,
  ShareServiceClient,
} from "@azure/storage-file-share";
import { mapInOrder } from "@dataplane/core";
import {
  type DirectoryItem,
  type DirectoryProperties,
  type FileItem,
  type FileProperties,
  keys,
  type ShareItem,
  type SmbProperties,
} from "../items.js";
import type { NameFilter } from "../options.js";
import { isNotFound } from "../util/errors.js";
import { base64 } from "./blobs.js";

const PAGE_SIZE = 5000;
/** Property reads in flight per walk when details are asked for. */
const DETAIL_CONCURRENCY = 16;

/** `Hidden | Directory` (the listing's form) → `Hidden|Directory`. */
export function normalizeAttributes(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = value
    .split("|")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return parts.length === 0 ? "None" : parts.join("|");
}

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

/** Streams the account's file shares (no snapshots, no deleted shares), filtered by name. */
export async function* listShares(
  service: ShareServiceClient,
  filter: NameFilter,
  resourceId: string,
): AsyncIterable<ShareItem> {
  for await (const page of service.listShares({ includeMetadata: true }).byPage({ maxPageSize: PAGE_SIZE })) {
    for (const s of page.shareItems ?? []) {
      if (s.deleted || s.snapshot || !filter(s.name)) continue;
      const p = s.properties;
      yield {
        kind: "share",
        key: keys.share(s.name),
        name: s.name,
        sourceResourceId: resourceId,
        properties: {
          share: s.name,
          ...(p.quota !== undefined ? { quota: p.quota } : {}),
          ...(p.accessTier ? { accessTier: p.accessTier } : {}),
          protocol: p.enabledProtocols ?? (p.protocols?.nfsEnabled ? "NFS" : "SMB"),
          metadata: s.metadata ?? {},
          lastModified: p.lastModified.toISOString(),
          etag: p.etag,
        },
      };
    }
  }
}

function smbOf(entry: SdkDirectoryItem | SdkFileItem): SmbProperties {
  const p = entry.properties;
  const smb: SmbProperties = {};
  const attributes = normalizeAttributes(entry.attributes);
  if (attributes) smb.attributes = attributes;
  const creationTime = iso(p?.creationTime);
  if (creationTime) smb.creationTime = creationTime;
  const lastWriteTime = iso(p?.lastWriteTime);
  if (lastWriteTime) smb.lastWriteTime = lastWriteTime;
  const changeTime = iso(p?.changeTime);
  if (changeTime) smb.changeTime = changeTime;
  if (entry.permissionKey) smb.permissionKey = entry.permissionKey;
  return smb;
}

export interface WalkOptions {
  readonly prefix: string;
  /** Read each directory's and file's metadata and content headers (one request each). */
  readonly details: boolean;
  readonly directoriesOnly?: boolean;
}

export type Entry =
  | { readonly kind: "directory"; readonly item: DirectoryItem }
  | { readonly kind: "file"; readonly item: FileItem };

/** Whether a path is inside the prefix, or an ancestor directory of it. */
export function inPrefix(path: string, prefix: string, isDirectory: boolean): boolean {
  if (prefix === "" || path.startsWith(prefix)) return true;
  return isDirectory && prefix.startsWith(`${path}/`);
}

/**
 * The directories and files directly in one directory of a share ("" for the root), as the
 * service lists them (Azure Files documents no order); nothing when the share or the directory
 * does not exist.
 */
export async function* listDirectory(
  share: ShareClient,
  shareName: string,
  dir: string,
  options: WalkOptions,
  resourceId: string,
): AsyncIterable<Entry> {
  const client = dir === "" ? share.rootDirectoryClient : share.getDirectoryClient(dir);
  const pages = client
    .listFilesAndDirectories({
      includeTimestamps: true,
      includeEtag: true,
      includeAttributes: true,
      includePermissionKey: true,
    })
    .byPage({ maxPageSize: PAGE_SIZE });
  try {
    for await (const page of pages) {
      for (const d of page.segment.directoryItems) {
        const path = dir === "" ? d.name : `${dir}/${d.name}`;
        if (!inPrefix(path, options.prefix, true)) continue;
        const properties: DirectoryProperties = { share: shareName, path, ...smbOf(d) };
        if (d.properties?.lastModified) properties.lastModified = d.properties.lastModified.toISOString();
        if (d.properties?.etag) properties.etag = d.properties.etag;
        yield {
          kind: "directory",
          item: {
            kind: "directory",
            key: keys.directory(shareName, path),
            name: path,
            sourceResourceId: resourceId,
            properties,
          },
        };
      }
      if (options.directoriesOnly) continue;
      for (const f of page.segment.fileItems) {
        const path = dir === "" ? f.name : `${dir}/${f.name}`;
        if (!inPrefix(path, options.prefix, false)) continue;
        const size = f.properties.contentLength;
        const properties: FileProperties = { share: shareName, path, size, ...smbOf(f) };
        if (f.properties.lastModified) properties.lastModified = f.properties.lastModified.toISOString();
        if (f.properties.etag) properties.etag = f.properties.etag;
        yield {
          kind: "file",
          item: {
            kind: "file",
            key: keys.file(shareName, path),
            name: path,
            sizeBytes: size,
            sourceResourceId: resourceId,
            properties,
          },
        };
      }
    }
  } catch (error) {
    // The share (or a directory deleted while we walk) is gone: nothing below it.
    if (isNotFound(error, "ShareNotFound", "ResourceNotFound", "ParentNotFound")) return;
    throw error;
  }
}

/**
 * Directories and files of a share, breadth first (parents before children). Holds the paths
 * of the directories still to list (at most about two levels of the tree), never their entries.
 */
async function* listTree(
  share: ShareClient,
  shareName: string,
  options: WalkOptions,
  resourceId: string,
): AsyncIterable<Entry> {
  const queue: string[] = [""];
  for (let head = 0; head < queue.length; head++) {
    const dir = queue[head]!;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    for await (const entry of listDirectory(share, shareName, dir, options, resourceId)) {
      if (entry.kind === "directory") queue.push(entry.item.properties.path);
      yield entry;
    }
  }
}

async function withDetails(share: ShareClient, entry: Entry): Promise<DirectoryItem | FileItem> {
  if (entry.kind === "directory") {
    const p = await share.getDirectoryClient(entry.item.properties.path).getProperties();
    return { ...entry.item, properties: { ...entry.item.properties, metadata: p.metadata ?? {} } };
  }
  const item = entry.item;
  const p = await share.rootDirectoryClient.getFileClient(item.properties.path).getProperties();
  const properties: FileProperties = { ...item.properties, metadata: p.metadata ?? {} };
  if (p.contentType !== undefined) properties.contentType = p.contentType;
  if (p.contentEncoding) properties.contentEncoding = p.contentEncoding;
  if (p.contentLanguage) properties.contentLanguage = p.contentLanguage;
  if (p.contentDisposition) properties.contentDisposition = p.contentDisposition;
  if (p.cacheControl) properties.cacheControl = p.cacheControl;
  const md5 = base64(p.contentMD5);
  if (md5) properties.contentMD5 = md5;
  return { ...item, properties };
}

/** Streams a share's directories and files (parents first); with details, metadata and content headers too. */
export async function* walkShare(
  service: ShareServiceClient,
  shareName: string,
  options: WalkOptions,
  resourceId: string,
): AsyncIterable<DirectoryItem | FileItem> {
  const share = service.getShareClient(shareName);
  const entries = listTree(share, shareName, options, resourceId);
  if (!options.details) {
    for await (const entry of entries) yield entry.item;
    return;
  }
  yield* mapInOrder(entries, DETAIL_CONCURRENCY, (entry) => withDetails(share, entry));
}
