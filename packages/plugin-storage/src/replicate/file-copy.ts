import {
  type FileHttpHeaders,
  type FileStartCopyOptions,
  FileSystemAttributes,
  type ShareClient,
  type ShareFileClient,
  type ShareServiceClient,
  type TimeNowType,
} from "@azure/storage-file-share";
import {
  type ApplyResult,
  abortableSleep,
  DataplaneError,
  ErrorCodes,
  forEachLimited,
  type PlannedAction,
  type StepContext,
} from "@dataplane/core";
import type { SourceSas } from "../access/source-sas.js";
import type { DirectoryItem, FileItem, ShareItem, SmbProperties } from "../items.js";
import { isNotFound, isNotImplemented, serviceCodeOf, statusOf } from "../util/errors.js";
import { encodePath } from "../util/paths.js";
import { withProvenance } from "./provenance.js";
import type { SmbPermissions } from "./smb-permissions.js";
import type { DirectoryTarget, FileTarget, ShareTarget } from "./targets.js";

const MiB = 1024 * 1024;
/** Put Range From URL writes at most 4 MiB per request. */
const RANGE_BYTES = 4 * MiB;
const RANGE_CONCURRENCY = 8;
/** Above this, ranges (synchronous, SAS renewed per range) rather than one asynchronous Copy File. */
export const ASYNC_FILE_COPY_MAX_BYTES = 256 * MiB;

export interface FileCopyCapabilities {
  startCopy: boolean;
  rangeCopy: boolean;
}

function parent(path: string): string | undefined {
  const at = path.lastIndexOf("/");
  return at < 0 ? undefined : path.slice(0, at);
}

function attributesOf(value: string | undefined): FileSystemAttributes | undefined {
  if (!value || value === "None") return undefined;
  try {
    return FileSystemAttributes.parse(value);
  } catch {
    return undefined;
  }
}

function metadataHeaders(metadata: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) headers[`x-ms-meta-${k}`] = v;
  return headers;
}

/**
 * An SMB time as the service wrote it (`2026-03-04T05:06:07.1234567Z`, 100 ns). The SDK's
 * option type is `Date | "now"`, but it sends any non-`Date` value unchanged
 * (`fileCreationTimeToString`), while a `Date` would cut the time to milliseconds.
 */
type SmbTimeValue = TimeNowType;

function smbTime(value: string | undefined | null): SmbTimeValue | undefined {
  return value ? (value as SmbTimeValue) : undefined;
}

/** The 100 ns SMB times of a Get Properties answer (the SDK's parsed `Date`s keep milliseconds). */
export function rawSmbTimes(
  response: { _response: { headers: { get(name: string): string | undefined } } },
  fallback: SmbProperties,
): Pick<SmbProperties, "creationTime" | "lastWriteTime" | "changeTime"> {
  const headers = response._response.headers;
  const creationTime = headers.get("x-ms-file-creation-time") ?? fallback.creationTime;
  const lastWriteTime = headers.get("x-ms-file-last-write-time") ?? fallback.lastWriteTime;
  const changeTime = headers.get("x-ms-file-change-time") ?? fallback.changeTime;
  return {
    ...(creationTime ? { creationTime } : {}),
    ...(lastWriteTime ? { lastWriteTime } : {}),
    ...(changeTime ? { changeTime } : {}),
  };
}

/**
 * Shares, directories and files into the target account: shares and directories with their
 * properties, files copied server-side (Copy File, or Put Range From URL for large files)
 * with content headers, metadata and SMB properties.
 */
export class FileCopier {
  readonly #shares = new Map<string, ShareClient>();

  constructor(
    private readonly source: ShareServiceClient,
    private readonly sourceEndpoint: string,
    private readonly target: ShareServiceClient,
    private readonly sas: SourceSas,
    private readonly permissions: SmbPermissions,
    private readonly caps: FileCopyCapabilities,
    /** Files up to this size go through one Copy File; larger ones through ranges. */
    private readonly singleCopyMaxBytes: number = ASYNC_FILE_COPY_MAX_BYTES,
  ) {}

  #share(name: string): ShareClient {
    let client = this.#shares.get(name);
    if (!client) {
      client = this.target.getShareClient(name);
      this.#shares.set(name, client);
    }
    return client;
  }

  async #sourceUrl(share: string, path: string): Promise<string> {
    const query = await this.sas.fileQuery(share);
    return `${this.sourceEndpoint}${encodeURIComponent(share)}/${encodePath(path)}?${query}`;
  }

  // -------------------------------------------------------------------------------- shares

  async share(action: PlannedAction<ShareItem, ShareTarget>): Promise<ApplyResult | undefined> {
    const p = action.source.properties;
    const client = this.#share(p.share);
    const accessTier = p.accessTier as "TransactionOptimized" | "Hot" | "Cool" | "Premium" | undefined;
    if (action.action === "create") {
      try {
        await client.create({
          metadata: p.metadata,
          ...(p.quota !== undefined ? { quota: p.quota } : {}),
          ...(accessTier ? { accessTier } : {}),
        });
        return undefined;
      } catch (error) {
        // Created bare meanwhile by a directory or file of another shard: set its properties.
        if (statusOf(error) !== 409 || serviceCodeOf(error) !== "ShareAlreadyExists") throw error;
      }
    }
    await client.setProperties({
      ...(p.quota !== undefined ? { quotaInGB: p.quota } : {}),
      ...(accessTier ? { accessTier } : {}),
    });
    await client.setMetadata(p.metadata);
    return action.action === "create"
      ? { status: "updated", reason: "existed already: properties set" }
      : undefined;
  }

  /** Parents that belong to another shard (or are not yet there) are created bare. */
  async #ensureParents(share: string, path: string): Promise<void> {
    const chain: string[] = [];
    for (let dir = parent(path); dir !== undefined; dir = parent(dir)) chain.unshift(dir);
    await this.#share(share).createIfNotExists();
    for (const dir of chain) await this.#share(share).getDirectoryClient(dir).createIfNotExists();
  }

  async #withParents<T>(share: string, path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isNotFound(error, "ParentNotFound", "ShareNotFound")) throw error;
      await this.#ensureParents(share, path);
      return await run();
    }
  }

  async #smbOptions(share: string, smb: SmbProperties) {
    const fileAttributes = attributesOf(smb.attributes);
    const creationTime = smbTime(smb.creationTime);
    const lastWriteTime = smbTime(smb.lastWriteTime);
    const changeTime = smbTime(smb.changeTime);
    const filePermissionKey = smb.permissionKey
      ? await this.permissions.targetKeyFor(share, smb.permissionKey)
      : undefined;
    return {
      ...(fileAttributes ? { fileAttributes } : {}),
      ...(creationTime ? { creationTime } : {}),
      ...(lastWriteTime ? { lastWriteTime } : {}),
      ...(changeTime ? { changeTime } : {}),
      ...(filePermissionKey ? { filePermissionKey } : {}),
    };
  }

  // -------------------------------------------------------------------------------- directories

  async directory(action: PlannedAction<DirectoryItem, DirectoryTarget>): Promise<ApplyResult | undefined> {
    const p = action.source.properties;
    const source = await this.source.getShareClient(p.share).getDirectoryClient(p.path).getProperties();
    const metadata = source.metadata ?? {};
    const smb = { ...p, ...rawSmbTimes(source, p) };
    const client = this.#share(p.share).getDirectoryClient(p.path);
    if (action.action === "create") {
      try {
        await this.#withParents(p.share, p.path, async () =>
          client.create({ metadata, ...(await this.#smbOptions(p.share, smb)) }),
        );
        return undefined;
      } catch (error) {
        if (statusOf(error) !== 409 || serviceCodeOf(error) !== "ResourceAlreadyExists") throw error;
      }
    }
    await client.setProperties(await this.#smbOptions(p.share, smb));
    await client.setMetadata(metadata);
    return action.action === "create"
      ? { status: "updated", reason: "existed already: properties set" }
      : undefined;
  }

  // -------------------------------------------------------------------------------- files

  async file(
    action: PlannedAction<FileItem, FileTarget>,
    ctx: StepContext,
  ): Promise<ApplyResult | undefined> {
    const p = action.source.properties;
    const sourceFile = this.source.getShareClient(p.share).rootDirectoryClient.getFileClient(p.path);
    const props = await sourceFile.getProperties();
    const lastModified = props.lastModified?.toISOString() ?? p.lastModified ?? "";
    const metadata = withProvenance(props.metadata ?? {}, lastModified);
    const client = this.#share(p.share).rootDirectoryClient.getFileClient(p.path);
    return await this.#withParents(p.share, p.path, async () => {
      if (p.size <= this.singleCopyMaxBytes && this.caps.startCopy) {
        try {
          await this.#startCopy(client, p.share, p.path, metadata, ctx);
          return undefined;
        } catch (error) {
          if (!isNotImplemented(error)) throw error;
          this.caps.startCopy = false;
          ctx.logger.info("the target does not implement Copy File (501): copying files by ranges");
        }
      }
      if (!this.caps.rangeCopy) {
        return {
          status: "skipped-unsupported",
          reason: "the target implements no server-side copy for files",
        };
      }
      const headers: FileHttpHeaders = {
        ...(props.contentType !== undefined ? { fileContentType: props.contentType } : {}),
        ...(props.contentEncoding ? { fileContentEncoding: props.contentEncoding } : {}),
        ...(props.contentLanguage ? { fileContentLanguage: props.contentLanguage } : {}),
        ...(props.contentDisposition ? { fileContentDisposition: props.contentDisposition } : {}),
        ...(props.cacheControl ? { fileCacheControl: props.cacheControl } : {}),
        ...(props.contentMD5 ? { fileContentMD5: props.contentMD5 } : {}),
      };
      try {
        const smb = { ...p, ...rawSmbTimes(props, p) };
        await this.#rangeCopy(client, action.source, smb, headers, metadata, ctx);
        return undefined;
      } catch (error) {
        if (!isNotImplemented(error)) throw error;
        this.caps.rangeCopy = false;
        return {
          status: "skipped-unsupported",
          reason: "the target implements no server-side copy for files",
        };
      }
    });
  }

  /** Copy File: one request; the service copies content, headers and (as asked) SMB properties. */
  async #startCopy(
    client: ShareFileClient,
    share: string,
    path: string,
    metadata: Record<string, string>,
    ctx: StepContext,
  ): Promise<void> {
    const options: FileStartCopyOptions & { requestOptions: { headers: Record<string, string> } } = {
      // @azure/storage-file-share 12.33 drops `metadata` on Copy File: send the headers ourselves.
      requestOptions: { headers: metadataHeaders(metadata) },
      copyFileSmbInfo: {
        fileAttributes: "source",
        fileCreationTime: "source",
        fileLastWriteTime: "source",
        fileChangeTime: "source",
        filePermissionCopyMode: "source",
        ignoreReadOnly: true,
      },
    };
    const started = await client.startCopyFromURL(await this.#sourceUrl(share, path), options);
    let status = started.copyStatus;
    let description: string | undefined;
    // An asynchronous copy: poll its status (not a retry; the governor retries each request).
    for (let wait = 25; status === "pending"; wait = Math.min(1000, wait * 2)) {
      await abortableSleep(wait, ctx.signal);
      const now = await client.getProperties();
      if (now.copyId !== started.copyId) break;
      status = now.copyStatus;
      description = now.copyStatusDescription;
    }
    if (status !== undefined && status !== "success" && status !== "pending") {
      throw new DataplaneError(
        ErrorCodes.ItemFailed,
        `Copy File ended ${status}${description ? `: ${description}` : ""}`,
      );
    }
  }

  /** Create the file with every property, then Put Range From URL in 4 MiB ranges (last-write time kept). */
  async #rangeCopy(
    client: ShareFileClient,
    item: FileItem,
    smb: SmbProperties,
    fileHttpHeaders: FileHttpHeaders,
    metadata: Record<string, string>,
    ctx: StepContext,
  ): Promise<void> {
    const p = item.properties;
    await client.create(p.size, { fileHttpHeaders, metadata, ...(await this.#smbOptions(p.share, smb)) });
    const ranges = Array.from({ length: Math.ceil(p.size / RANGE_BYTES) }, (_, i) => i * RANGE_BYTES);
    let copied = 0;
    await forEachLimited(ranges, RANGE_CONCURRENCY, async (offset) => {
      const count = Math.min(RANGE_BYTES, p.size - offset);
      await client.uploadRangeFromURL(await this.#sourceUrl(p.share, p.path), offset, offset, count, {
        fileLastWrittenMode: "Preserve",
      });
      copied += count;
      ctx.reportBytes(item.key, copied);
    });
  }
}
