import type { BlobEntry } from "../discover/blob-listing.js";
import {
  type BlobType,
  type ContainerItem,
  type DirectoryItem,
  type FileItem,
  keys,
  type PublicAccess,
  type ShareItem,
} from "../items.js";
import { blobDigest } from "./blob-plan.js";
import { provenanceOf } from "./provenance.js";

/**
 * What the engine keeps of each target item while it plans one partition: only what the
 * comparison needs, so a container of millions of blobs stays small in memory.
 */
export type ContainerTarget = {
  readonly kind: "container";
  readonly key: string;
  readonly metadata: Record<string, string>;
  readonly publicAccess: PublicAccess;
};

export type BlobTarget = {
  readonly kind: "blob";
  readonly key: string;
  readonly blobType: BlobType;
  readonly size: number;
  readonly md5?: string;
  readonly provenance?: string;
  /** Digest of content headers, metadata (without provenance) and tags. */
  readonly digest: string;
  readonly tier?: string;
};

export type ShareTarget = {
  readonly kind: "share";
  readonly key: string;
  readonly quota?: number;
  readonly accessTier?: string;
  readonly metadata: Record<string, string>;
};

export type DirectoryTarget = {
  readonly kind: "directory";
  readonly key: string;
  readonly attributes?: string;
  readonly creationTime?: string;
  readonly permissionKey?: string;
  readonly lastModified?: string;
};

export type FileTarget = {
  readonly kind: "file";
  readonly key: string;
  readonly path: string;
  readonly size: number;
  readonly attributes?: string;
  readonly lastWriteTime?: string;
  readonly lastModified?: string;
};

export type StorageTarget = ContainerTarget | BlobTarget | ShareTarget | DirectoryTarget | FileTarget;

export function containerTarget(item: ContainerItem): ContainerTarget {
  return {
    kind: "container",
    key: item.key,
    metadata: item.properties.metadata,
    publicAccess: item.properties.publicAccess,
  };
}

export function blobTarget(container: string, b: BlobEntry, tags: boolean): BlobTarget {
  const p = b.properties;
  const md5 = p.contentMD5;
  const provenance = provenanceOf(b.metadata);
  return {
    kind: "blob",
    key: keys.blob(container, b.name),
    blobType: (p.blobType ?? "BlockBlob") as BlobType,
    size: p.contentLength,
    ...(md5 ? { md5 } : {}),
    ...(provenance !== undefined ? { provenance } : {}),
    digest: blobDigest(p, b.metadata, tags ? (b.tags ?? {}) : undefined),
    ...(p.accessTier ? { tier: p.accessTier } : {}),
  };
}

export function shareTarget(item: ShareItem): ShareTarget {
  const p = item.properties;
  return {
    kind: "share",
    key: item.key,
    ...(p.quota !== undefined ? { quota: p.quota } : {}),
    ...(p.accessTier ? { accessTier: p.accessTier } : {}),
    metadata: p.metadata,
  };
}

export function directoryTarget(item: DirectoryItem): DirectoryTarget {
  const p = item.properties;
  return {
    kind: "directory",
    key: item.key,
    ...(p.attributes ? { attributes: p.attributes } : {}),
    ...(p.creationTime ? { creationTime: p.creationTime } : {}),
    ...(p.permissionKey ? { permissionKey: p.permissionKey } : {}),
    ...(p.lastModified ? { lastModified: p.lastModified } : {}),
  };
}

export function fileTarget(item: FileItem): FileTarget {
  const p = item.properties;
  return {
    kind: "file",
    key: item.key,
    path: p.path,
    size: p.size,
    ...(p.attributes ? { attributes: p.attributes } : {}),
    ...(p.lastWriteTime ? { lastWriteTime: p.lastWriteTime } : {}),
    ...(p.lastModified ? { lastModified: p.lastModified } : {}),
  };
}
