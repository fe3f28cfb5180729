import type { BlobServiceClient, ContainerItem as SdkContainerItem } from "@azure/storage-blob";
import { listRange, type Shard } from "@dataplane/core";
import {
  type BlobItem,
  type BlobProperties,
  type BlobType,
  type ContainerItem,
  keys,
  type PublicAccess,
} from "../items.js";
import type { NameFilter } from "../options.js";
import { isNotFound } from "../util/errors.js";
import { type BlobEntry, listBlobEntries, listBlobLevel } from "./blob-listing.js";

const PAGE_SIZE = 5000;

export function base64(bytes: Uint8Array | undefined): string | undefined {
  return bytes && bytes.length > 0 ? Buffer.from(bytes).toString("base64") : undefined;
}

function toContainerItem(c: SdkContainerItem, resourceId: string): ContainerItem {
  const p = c.properties;
  return {
    kind: "container",
    key: keys.container(c.name),
    name: c.name,
    sourceResourceId: resourceId,
    properties: {
      container: c.name,
      metadata: c.metadata ?? {},
      publicAccess: (p.publicAccess ?? "none") as PublicAccess,
      ...(p.hasImmutabilityPolicy ? { hasImmutabilityPolicy: true } : {}),
      ...(p.hasLegalHold ? { hasLegalHold: true } : {}),
      ...(p.isImmutableStorageWithVersioningEnabled ? { immutableStorageWithVersioning: true } : {}),
      lastModified: p.lastModified.toISOString(),
      etag: p.etag,
    },
  };
}

/** Streams the account's containers (not deleted ones), filtered by name. */
/**
 * Containers the service owns: `$logs` (Storage Analytics; List Containers does not show it),
 * `$blobchangefeed` (the change feed, read-only) and any other `$` name but the two a user
 * fills: `$root` (the root container, created explicitly) and `$web` (the static website).
 * Discovery and replication leave them out, as a real account's listing does.
 */
export function isSystemContainer(name: string): boolean {
  return name.startsWith("$") && name !== "$root" && name !== "$web";
}

export async function* listContainers(
  service: BlobServiceClient,
  filter: NameFilter,
  resourceId: string,
): AsyncIterable<ContainerItem> {
  for await (const page of service
    .listContainers({ includeMetadata: true })
    .byPage({ maxPageSize: PAGE_SIZE })) {
    for (const c of page.containerItems ?? []) {
      if (c.deleted || isSystemContainer(c.name) || !filter(c.name)) continue;
      yield toContainerItem(c, resourceId);
    }
  }
}

export function toBlobProperties(container: string, b: BlobEntry, withTags: boolean): BlobProperties {
  const p = b.properties;
  const props: BlobProperties = {
    container,
    name: b.name,
    blobType: (p.blobType ?? "BlockBlob") as BlobType,
    size: p.contentLength,
    metadata: b.metadata ?? {},
    lastModified: p.lastModified,
    etag: p.etag,
  };
  if (p.contentType !== undefined) props.contentType = p.contentType;
  if (p.contentEncoding) props.contentEncoding = p.contentEncoding;
  if (p.contentLanguage) props.contentLanguage = p.contentLanguage;
  if (p.contentDisposition) props.contentDisposition = p.contentDisposition;
  if (p.cacheControl) props.cacheControl = p.cacheControl;
  if (p.contentMD5) props.contentMD5 = p.contentMD5;
  if (withTags) props.tags = b.tags ?? {};
  if (p.accessTier) props.accessTier = p.accessTier;
  if (p.accessTierInferred) props.accessTierInferred = true;
  if (p.archiveStatus) props.archiveStatus = p.archiveStatus;
  if (p.createdOn) props.createdOn = p.createdOn;
  return props;
}

function toBlobItem(props: BlobProperties, resourceId: string): BlobItem {
  return {
    kind: "blob",
    key: keys.blob(props.container, props.name),
    name: props.name,
    sizeBytes: props.size,
    sourceResourceId: resourceId,
    properties: props,
  };
}

export interface BlobListOptions {
  readonly prefix: string;
  readonly tags: boolean;
  /** Count snapshots and non-current versions of each blob (lists them too). */
  readonly countSnapshots?: boolean;
}

/** The entries of a container, streamed; nothing when the container does not exist. */
export async function* listContainerEntries(
  service: BlobServiceClient,
  container: string,
  options: BlobListOptions & { readonly metadata?: boolean },
): AsyncIterable<BlobEntry> {
  try {
    yield* listBlobEntries(service.getContainerClient(container), {
      prefix: options.prefix,
      metadata: options.metadata ?? true,
      tags: options.tags,
      snapshots: options.countSnapshots ?? false,
      versions: options.countSnapshots ?? false,
    });
  } catch (error) {
    if (isNotFound(error, "ContainerNotFound")) return;
    throw error;
  }
}

/**
 * A range shard's part of a container's entries (`--shard range:k/n`), in name order: the names
 * below the `--prefix` are divided by their first character (core's `listRange`), each part
 * listed by one worker only. Nothing when the container does not exist.
 */
export async function* listContainerEntriesRange(
  service: BlobServiceClient,
  container: string,
  shard: Shard,
  options: BlobListOptions & { readonly metadata?: boolean },
): AsyncIterable<BlobEntry> {
  const client = service.getContainerClient(container);
  const base = options.prefix;
  const listing = {
    metadata: options.metadata ?? true,
    tags: options.tags,
  };
  try {
    yield* listRange<BlobEntry>(shard, {
      async *level(prefix) {
        for await (const e of listBlobLevel(client, { ...listing, prefix: base + prefix })) {
          if ("directory" in e) yield { directory: e.directory.slice(base.length) };
          else yield { name: e.blob.name.slice(base.length), item: e.blob };
        }
      },
      flat: (prefix) => listBlobEntries(client, { ...listing, prefix: base + prefix }),
    });
  } catch (error) {
    if (isNotFound(error, "ContainerNotFound")) return;
    throw error;
  }
}

/** Streams the current blobs of one container (snapshots and old versions only counted on request). */
export async function* listBlobs(
  service: BlobServiceClient,
  container: string,
  options: BlobListOptions & { readonly range?: Shard },
  resourceId: string,
): AsyncIterable<BlobItem> {
  if (!options.countSnapshots) {
    const entries = options.range
      ? listContainerEntriesRange(service, container, options.range, options)
      : listContainerEntries(service, container, options);
    for await (const b of entries) {
      if (b.deleted) continue;
      yield toBlobItem(toBlobProperties(container, b, options.tags), resourceId);
    }
    return;
  }
  // Snapshots and versions of a name are listed next to it: count them, yield the current blob.
  let name: string | undefined;
  let snapshots = 0;
  let versions = 0;
  let current: BlobProperties | undefined;
  const flush = (): BlobItem | undefined => {
    const item = current ? toBlobItem({ ...current, snapshots, versions }, resourceId) : undefined;
    name = undefined;
    current = undefined;
    snapshots = 0;
    versions = 0;
    return item;
  };
  for await (const b of listContainerEntries(service, container, options)) {
    if (b.deleted) continue;
    if (name !== undefined && b.name !== name) {
      const item = flush();
      if (item) yield item;
    }
    name = b.name;
    if (b.snapshot) snapshots++;
    else if (b.versionId && !b.isCurrentVersion) versions++;
    else current = toBlobProperties(container, b, options.tags);
  }
  const last = flush();
  if (last) yield last;
}
