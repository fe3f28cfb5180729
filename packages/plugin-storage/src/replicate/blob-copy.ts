import type {
  BlobClient,
  BlobHTTPHeaders,
  BlobServiceClient,
  BlockBlobClient,
  ContainerClient,
  PublicAccessType,
} from "@azure/storage-blob";
import {
  type ApplyResult,
  DataplaneError,
  ErrorCodes,
  forEachLimited,
  type PlannedAction,
  type StepContext,
} from "@dataplane/core";
import type { SourceSas } from "../access/source-sas.js";
import type { BlobItem, BlobProperties, ContainerItem } from "../items.js";
import { isNotFound, isNotImplemented, messageOf, serviceCodeOf, statusOf } from "../util/errors.js";
import { encodePath } from "../util/paths.js";
import { explicitTier } from "./blob-plan.js";
import { withProvenance } from "./provenance.js";
import type { BlobTarget, ContainerTarget } from "./targets.js";

const MiB = 1024 * 1024;
/** Copy Blob From URL copies block blobs up to this size in one request (the service's limit). */
export const SYNC_COPY_MAX_BYTES = 256 * MiB;
const MAX_BLOCKS = 50_000;
const MAX_BLOCK_BYTES = 4000 * MiB;
/** Blocks staged in parallel for one blob. */
const BLOCK_CONCURRENCY = 8;
const ASYNC_POLL_MS = 500;

/**
 * Which server-side copy operations the target endpoint implements. A 501 turns one off for
 * the rest of the run, so the fallback costs one failed request, not one per blob.
 */
export interface CopyCapabilities {
  syncCopy: boolean;
  blockCopy: boolean;
  asyncCopy: boolean;
}

function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

function md5Bytes(md5: string | undefined): Uint8Array | undefined {
  return md5 ? new Uint8Array(Buffer.from(md5, "base64")) : undefined;
}

function httpHeaders(p: BlobProperties): BlobHTTPHeaders {
  const md5 = md5Bytes(p.contentMD5);
  return {
    ...(p.contentType !== undefined ? { blobContentType: p.contentType } : {}),
    ...(p.contentEncoding ? { blobContentEncoding: p.contentEncoding } : {}),
    ...(p.contentLanguage ? { blobContentLanguage: p.contentLanguage } : {}),
    ...(p.contentDisposition ? { blobContentDisposition: p.contentDisposition } : {}),
    ...(p.cacheControl ? { blobCacheControl: p.cacheControl } : {}),
    ...(md5 ? { blobContentMD5: md5 } : {}),
  };
}

/** Block ids of one source version: equal length, and distinct from another version's. */
export function blockId(etag: string, index: number): string {
  let h = 0;
  for (let i = 0; i < etag.length; i++) h = (Math.imul(h, 31) + etag.charCodeAt(i)) >>> 0;
  return Buffer.from(`dp${h.toString(16).padStart(8, "0")}${String(index).padStart(6, "0")}`).toString(
    "base64",
  );
}

export function blockSizeFor(size: number, preferred: number): number {
  const least = Math.ceil(size / MAX_BLOCKS);
  return Math.min(MAX_BLOCK_BYTES, Math.max(preferred, Math.ceil(least / MiB) * MiB));
}

/**
 * Copies blobs server-side from the source account into the target account: the target
 * service reads the source through a short-lived read-only SAS; no byte passes through us.
 */
export class BlobCopier {
  readonly #containers = new Map<string, ContainerClient>();

  constructor(
    private readonly source: BlobServiceClient,
    private readonly sourceEndpoint: string,
    private readonly target: BlobServiceClient,
    private readonly sas: SourceSas,
    private readonly caps: CopyCapabilities,
    private readonly options: {
      readonly tags: boolean;
      readonly blockSizeBytes: number;
      /** At most SYNC_COPY_MAX_BYTES; smaller sends smaller blobs through block copies. */
      readonly singleCopyMaxBytes: number;
    },
  ) {}

  #container(name: string): ContainerClient {
    let client = this.#containers.get(name);
    if (!client) {
      client = this.target.getContainerClient(name);
      this.#containers.set(name, client);
    }
    return client;
  }

  async #sourceUrl(p: BlobProperties): Promise<string> {
    const query = await this.sas.blobQuery(p.container);
    return `${this.sourceEndpoint}${encodeURIComponent(p.container)}/${encodePath(p.name)}?${query}`;
  }

  // -------------------------------------------------------------------------------- containers

  async container(action: PlannedAction<ContainerItem, ContainerTarget>): Promise<ApplyResult> {
    const p = action.source.properties;
    const client = this.#container(p.container);
    const access: PublicAccessType | undefined = p.publicAccess === "none" ? undefined : p.publicAccess;
    const warnings: string[] = [];
    if (p.hasLegalHold || p.hasImmutabilityPolicy || p.immutableStorageWithVersioning) {
      warnings.push(
        `container ${p.container}: its immutability policy / legal hold is not copied (set it on the target with ARM)`,
      );
    }
    if (action.action === "create") {
      try {
        await client.create({ metadata: p.metadata, ...(access ? { access } : {}) });
        return { warnings };
      } catch (error) {
        if (statusOf(error) === 409 && serviceCodeOf(error) === "PublicAccessNotPermitted") {
          await client.create({ metadata: p.metadata });
          warnings.push(
            `container ${p.container}: the target account does not allow public access; created private (the source is "${p.publicAccess}")`,
          );
          return { warnings };
        }
        // Created meanwhile (bare, by a blob copy of another shard): set its properties below.
        if (statusOf(error) !== 409 || serviceCodeOf(error) !== "ContainerAlreadyExists") throw error;
      }
    }
    await client.setMetadata(p.metadata);
    const policy = await client.getAccessPolicy();
    const current = policy.blobPublicAccess ?? "none";
    if (current !== p.publicAccess) {
      try {
        await client.setAccessPolicy(access, policy.signedIdentifiers);
      } catch (error) {
        if (statusOf(error) !== 409 || serviceCodeOf(error) !== "PublicAccessNotPermitted") throw error;
        warnings.push(
          `container ${p.container}: the target account does not allow public access; left "${current}" (the source is "${p.publicAccess}")`,
        );
      }
    }
    return action.action === "create"
      ? {
          status: "updated",
          reason: "existed already (created bare by a blob copy): properties set",
          warnings,
        }
      : { warnings };
  }

  // -------------------------------------------------------------------------------- blobs

  async blob(
    action: PlannedAction<BlobItem, BlobTarget>,
    ctx: StepContext,
  ): Promise<ApplyResult | undefined> {
    const p = action.source.properties;
    const client = this.#container(p.container).getBlockBlobClient(p.name);
    if (action.details?.propertiesOnly === true && !action.overwrite) {
      await this.#setProperties(client, p);
      return { bytes: 0, reason: action.reason ?? "properties changed" };
    }
    if (action.target && action.target.blobType !== p.blobType) {
      // A blob's type cannot change in place.
      await client.deleteIfExists();
    }
    try {
      return await this.#copy(client, action.source, ctx);
    } catch (error) {
      if (!isNotFound(error, "ContainerNotFound")) throw error;
      // The container belongs to another shard, or was deleted: create it bare; its own item sets its properties.
      await this.#container(p.container).createIfNotExists();
      return await this.#copy(client, action.source, ctx);
    }
  }

  async #copy(client: BlockBlobClient, item: BlobItem, ctx: StepContext): Promise<ApplyResult | undefined> {
    const p = item.properties;
    if (p.blobType === "BlockBlob") {
      if (p.size <= Math.min(SYNC_COPY_MAX_BYTES, this.options.singleCopyMaxBytes) && this.caps.syncCopy) {
        try {
          await client.syncCopyFromURL(await this.#sourceUrl(p), {
            metadata: withProvenance(p.metadata, p.lastModified),
            ...this.#tagsAndTier(p),
            sourceConditions: { ifMatch: quoted(p.etag) },
          });
          return undefined;
        } catch (error) {
          if (!isNotImplemented(error)) throw error;
          this.caps.syncCopy = false;
          ctx.logger.info("the target does not implement Copy Blob From URL (501): using block copies");
        }
      }
      if (this.caps.blockCopy) {
        try {
          await this.#blockCopy(client, item, ctx);
          return undefined;
        } catch (error) {
          if (!isNotImplemented(error)) throw error;
          this.caps.blockCopy = false;
          ctx.logger.info(
            "the target does not implement Put Block From URL (501): using asynchronous copies",
          );
        }
      }
    }
    return this.#asyncCopy(client, item);
  }

  #tagsAndTier(p: BlobProperties): { tags?: Record<string, string>; tier?: string } {
    const tier = explicitTier(p);
    const tags = this.options.tags && p.tags && Object.keys(p.tags).length > 0 ? p.tags : undefined;
    return { ...(tags ? { tags } : {}), ...(tier ? { tier } : {}) };
  }

  /** Put Block From URL in parallel, then Put Block List with the source's properties. */
  async #blockCopy(client: BlockBlobClient, item: BlobItem, ctx: StepContext): Promise<void> {
    const p = item.properties;
    const blockSize = blockSizeFor(p.size, this.options.blockSizeBytes);
    const count = Math.ceil(p.size / blockSize);
    const ids = Array.from({ length: count }, (_, i) => blockId(p.etag, i));
    // Blocks staged by an interrupted attempt at this same source version are kept.
    const staged = new Set<string>();
    if (count > 1) {
      try {
        const list = await client.getBlockList("uncommitted");
        for (const b of list.uncommittedBlocks ?? []) staged.add(`${b.name}:${b.size}`);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    let copied = 0;
    await forEachLimited(ids, BLOCK_CONCURRENCY, async (id, index) => {
      const offset = index * blockSize;
      const length = Math.min(blockSize, p.size - offset);
      if (!staged.has(`${id}:${length}`)) {
        await client.stageBlockFromURL(id, await this.#sourceUrl(p), offset, length);
      }
      copied += length;
      ctx.reportBytes(item.key, copied);
    });
    // Put Block From URL has no source condition: make sure every block came from one version.
    const now = await this.source.getContainerClient(p.container).getBlobClient(p.name).getProperties();
    if (now.etag !== undefined && quoted(now.etag) !== quoted(p.etag)) {
      throw new DataplaneError(
        ErrorCodes.Conflict,
        "the source blob changed during the copy; run again to copy it",
      );
    }
    await client.commitBlockList(ids, {
      blobHTTPHeaders: httpHeaders(p),
      metadata: withProvenance(p.metadata, p.lastModified),
      ...this.#tagsAndTier(p),
    });
  }

  /** Copy Blob (asynchronous): page and append blobs, and the fallback when nothing else is implemented. */
  async #asyncCopy(client: BlobClient, item: BlobItem): Promise<ApplyResult | undefined> {
    const p = item.properties;
    if (!this.caps.asyncCopy) {
      return {
        status: "skipped-unsupported",
        reason: "the target implements no server-side copy for this blob",
      };
    }
    try {
      const poller = await client.beginCopyFromURL(await this.#sourceUrl(p), {
        metadata: withProvenance(p.metadata, p.lastModified),
        ...this.#tagsAndTier(p),
        sourceConditions: { ifMatch: quoted(p.etag) },
        intervalInMs: ASYNC_POLL_MS,
      });
      const result = await poller.pollUntilDone();
      if (result.copyStatus && result.copyStatus !== "success") {
        throw new DataplaneError(ErrorCodes.ItemFailed, `asynchronous copy ended ${result.copyStatus}`);
      }
      return undefined;
    } catch (error) {
      if (!isNotImplemented(error)) throw error;
      this.caps.asyncCopy = false;
      return {
        status: "skipped-unsupported",
        reason: `the target implements no server-side copy for ${p.blobType} (${messageOf(error)})`,
      };
    }
  }

  /** The content is already there: bring headers, metadata, tags and tier in line. */
  async #setProperties(client: BlobClient, p: BlobProperties): Promise<void> {
    await client.setHTTPHeaders(httpHeaders(p));
    await client.setMetadata(withProvenance(p.metadata, p.lastModified));
    if (this.options.tags && p.tags) await client.setTags(p.tags);
    const tier = explicitTier(p);
    if (tier) await client.setAccessTier(tier);
  }
}
