import type { DataPlaneItem } from "@dataplane/core";

/** The item kinds this plugin serves. */
export const ITEM_KINDS = ["container", "blob", "share", "directory", "file"] as const;
export type StorageItemKind = (typeof ITEM_KINDS)[number];

/** Content headers shared by blobs and files (`contentMD5` is base64). */
export type ContentHeaders = {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  contentMD5?: string;
};

export type PublicAccess = "none" | "blob" | "container";

export type ContainerProperties = {
  container: string;
  metadata: Record<string, string>;
  publicAccess: PublicAccess;
  hasImmutabilityPolicy?: boolean;
  hasLegalHold?: boolean;
  immutableStorageWithVersioning?: boolean;
  lastModified: string;
  etag: string;
};

export type BlobType = "BlockBlob" | "PageBlob" | "AppendBlob";

export type BlobProperties = ContentHeaders & {
  container: string;
  name: string;
  blobType: BlobType;
  size: number;
  metadata: Record<string, string>;
  /** Blob index tags (absent when `--blob-tags skip`). */
  tags?: Record<string, string>;
  accessTier?: string;
  /** True when the tier is the account default rather than set on the blob. */
  accessTierInferred?: boolean;
  /** `rehydrate-pending-to-hot` … while an archived blob is being rehydrated. */
  archiveStatus?: string;
  lastModified: string;
  createdOn?: string;
  etag: string;
  /** Only with `--count-snapshots`. */
  snapshots?: number;
  versions?: number;
};

export type ShareProperties = {
  share: string;
  quota?: number;
  accessTier?: string;
  /** `SMB` or `NFS`. */
  protocol: string;
  metadata: Record<string, string>;
  lastModified: string;
  etag: string;
};

/** SMB properties of a directory or a file, as the listing reports them. */
export type SmbProperties = {
  /** `ReadOnly|Hidden|Archive` (canonical, no spaces; `None` when empty). */
  attributes?: string;
  creationTime?: string;
  lastWriteTime?: string;
  changeTime?: string;
  permissionKey?: string;
};

export type DirectoryProperties = SmbProperties & {
  share: string;
  path: string;
  /** Only when discovered with details (discover, generate). */
  metadata?: Record<string, string>;
  lastModified?: string;
  etag?: string;
};

export type FileProperties = SmbProperties &
  ContentHeaders & {
    share: string;
    path: string;
    size: number;
    /** Only when discovered with details (discover, generate). */
    metadata?: Record<string, string>;
    lastModified?: string;
    etag?: string;
  };

export type ContainerItem = DataPlaneItem<"container", ContainerProperties>;
export type BlobItem = DataPlaneItem<"blob", BlobProperties>;
export type ShareItem = DataPlaneItem<"share", ShareProperties>;
export type DirectoryItem = DataPlaneItem<"directory", DirectoryProperties>;
export type FileItem = DataPlaneItem<"file", FileProperties>;

/** Every item this plugin discovers: a discriminated union on `kind`. */
export type StorageItem = ContainerItem | BlobItem | ShareItem | DirectoryItem | FileItem;

/**
 * Item keys: stable, unique within an account, readable in reports and journals.
 * `container/<c>`, `blob/<c>/<name>`, `share/<s>`, `directory/<s>/<path>`, `file/<s>/<path>`.
 */
export const keys = {
  container: (container: string) => `container/${container}`,
  blob: (container: string, name: string) => `blob/${container}/${name}`,
  share: (share: string) => `share/${share}`,
  directory: (share: string, path: string) => `directory/${share}/${path}`,
  file: (share: string, path: string) => `file/${share}/${path}`,
};

/** Depth of a path inside a share: `a` is 1, `a/b` is 2. */
export function pathDepth(path: string): number {
  let depth = 1;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++;
  return depth;
}

export function isStorageItem(item: DataPlaneItem): item is StorageItem {
  return (ITEM_KINDS as readonly string[]).includes(item.kind);
}
