// File operations: create, download, properties, HTTP headers, metadata, ranges, range list, delete.
import { createHash } from "node:crypto";
import type { SasResponseOverrides } from "../auth/sas.js";
import { SparseContent } from "../content.js";
import { headerError, StorageError, storageError } from "../errors.js";
import { foldName } from "../names.js";
import { requestRange } from "../ranges.js";
import { booleanHeader, type FileRequest, integerHeader, queryInteger, requireHeader } from "../request.js";
import { formatSmbTime } from "../smb.js";
import {
  addChild,
  type ContentHeaders,
  type FileNode,
  newEtag,
  newFileId,
  removeChild,
  type Share,
  touch,
} from "../store.js";
import { element, XML_DECLARATION } from "../xml.js";
import {
  entityHeaders,
  findNode,
  findParent,
  metadataHeaders,
  metadataOf,
  shareAndPath,
  smbForCreate,
  smbForSet,
  smbHeaders,
} from "./common.js";
import type { HandlerContext, HeaderValue, Reply, StreamBody } from "./context.js";

export const MAX_FILE_SIZE = 4 * 1024 ** 4;
export const MAX_RANGE_SIZE = 4 * 1024 ** 2;
const DOWNLOAD_CHUNK = 4 * 1024 ** 2;

export function findFile(share: Share, components: readonly string[]): FileNode {
  const node = components.length === 0 ? undefined : findNode(share, components);
  if (node?.kind !== "file") throw storageError("ResourceNotFound");
  return node;
}

export function md5Base64(data: Buffer): string {
  return createHash("md5").update(data).digest("base64");
}

function md5Header(request: FileRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  if (Buffer.from(value, "base64").length !== 16) throw headerError("InvalidHeaderValue", name, value);
  return value;
}

const CONTENT_HEADER_NAMES = {
  contentType: "x-ms-content-type",
  contentEncoding: "x-ms-content-encoding",
  contentLanguage: "x-ms-content-language",
  cacheControl: "x-ms-cache-control",
  contentDisposition: "x-ms-content-disposition",
  contentMD5: "x-ms-content-md5",
} as const satisfies Record<keyof ContentHeaders, string>;

function contentHeadersOf(request: FileRequest): ContentHeaders {
  const headers: ContentHeaders = {};
  for (const [property, name] of Object.entries(CONTENT_HEADER_NAMES) as Array<
    [keyof ContentHeaders, string]
  >) {
    const value = name === "x-ms-content-md5" ? md5Header(request, name) : request.headers[name];
    if (value !== undefined && value !== "") headers[property] = value;
  }
  return headers;
}

/** Headers describing a file, as Get File Properties and Get File send them. */
export function fileHeaders(
  file: FileNode,
  overrides: SasResponseOverrides = {},
): Record<string, HeaderValue> {
  const copy = file.copy;
  return {
    ...metadataHeaders(file.metadata),
    ...entityHeaders(file),
    "Content-Type": overrides.contentType ?? file.headers.contentType ?? "application/octet-stream",
    "Content-Encoding": overrides.contentEncoding ?? file.headers.contentEncoding,
    "Content-Language": overrides.contentLanguage ?? file.headers.contentLanguage,
    "Cache-Control": overrides.cacheControl ?? file.headers.cacheControl,
    "Content-Disposition": overrides.contentDisposition ?? file.headers.contentDisposition,
    "x-ms-type": "File",
    ...smbHeaders(file),
    "x-ms-server-encrypted": "true",
    "x-ms-lease-state": "available",
    "x-ms-lease-status": "unlocked",
    "x-ms-copy-id": copy?.id,
    "x-ms-copy-source": copy?.source,
    "x-ms-copy-status": copy?.status,
    "x-ms-copy-progress": copy?.progress,
    "x-ms-copy-completion-time": copy?.completionTime?.toUTCString(),
    "x-ms-copy-status-description": copy?.statusDescription,
  };
}

/** A new, empty file node (or the replacement of an existing one, keeping its file id). */
export function createFileNode(
  context: HandlerContext,
  share: Share,
  components: readonly string[],
  size: number,
): FileNode {
  const { request, now } = context;
  const parent = findParent(share, components);
  const name = components[components.length - 1]!;
  const existing = parent.children.get(foldName(name));
  if (existing?.kind === "directory") throw storageError("ResourceAlreadyExists");
  if (existing?.copy?.status === "pending") throw storageError("PendingCopyOperation");
  const file: FileNode = {
    kind: "file",
    name: existing?.name ?? name,
    fileId: existing?.fileId ?? newFileId(),
    parent,
    metadata: metadataOf(request),
    smb: smbForCreate(request, share, parent, "file", now),
    etag: newEtag(now),
    lastModified: now,
    size,
    content: new SparseContent(),
    headers: {},
  };
  if (existing) removeChild(parent, existing.name);
  addChild(parent, file);
  return file;
}

export function createFile(context: HandlerContext): Reply {
  const { request, account } = context;
  const { share, components } = shareAndPath(account, request);
  if (components.length === 0) throw storageError("InvalidUri");
  const type = requireHeader(request, "x-ms-type");
  if (type.toLowerCase() !== "file") throw headerError("InvalidHeaderValue", "x-ms-type", type);
  const size = integerHeader(request, "x-ms-content-length", MAX_FILE_SIZE);
  if (size === undefined) throw headerError("MissingRequiredHeader", "x-ms-content-length");
  const contentHeaders = contentHeadersOf(request);
  const body = request.body;
  if (body.length > size) throw headerError("InvalidHeaderValue", "Content-Length", String(body.length));
  const transactionalMd5 = md5Header(request, "content-md5");
  if (transactionalMd5 !== undefined && transactionalMd5 !== md5Base64(body))
    throw storageError("Md5Mismatch");
  const file = createFileNode(context, share, components, size);
  file.headers = contentHeaders;
  if (body.length > 0) file.content.write(0, body);
  return {
    status: 201,
    headers: {
      ...entityHeaders(file),
      ...smbHeaders(file),
      "Content-MD5": body.length > 0 ? md5Base64(body) : undefined,
      "x-ms-request-server-encrypted": "true",
    },
  };
}

export function getFileProperties(context: HandlerContext): Reply {
  const { request, account } = context;
  const { share, components } = shareAndPath(account, request);
  if (request.query.get("sharesnapshot") !== undefined) throw storageError("ShareNotFound");
  const file = findFile(share, components);
  return {
    status: 200,
    headers: {
      ...fileHeaders(file, overridesOf(context)),
      "Content-Length": file.size,
      "Content-MD5": file.headers.contentMD5,
    },
  };
}

function overridesOf(context: HandlerContext): SasResponseOverrides {
  return context.auth.kind === "sas" ? context.auth.grant.overrides : {};
}

export function downloadFile(context: HandlerContext): Reply {
  const { request, account } = context;
  const { share, components } = shareAndPath(account, request);
  const file = findFile(share, components);
  // An invalid standard Range header is ignored (HTTP); an invalid x-ms-range is an error.
  let range: ReturnType<typeof requestRange>;
  try {
    range = requestRange(request, { requireEnd: false });
  } catch (error) {
    if (request.headers["x-ms-range"] !== undefined) throw error;
    range = undefined;
  }
  const wantRangeMd5 = booleanHeader(request, "x-ms-range-get-content-md5") ?? false;
  const headers = fileHeaders(file, overridesOf(context));
  if (!range) {
    if (wantRangeMd5) throw headerError("InvalidHeaderValue", "x-ms-range-get-content-md5", "true");
    return {
      status: 200,
      headers: { ...headers, "Accept-Ranges": "bytes", "Content-MD5": file.headers.contentMD5 },
      body: chunked(file, 0, file.size),
    };
  }
  if (range.start >= file.size) {
    throw new StorageError("InvalidRange", { headers: { "Content-Range": `bytes */${file.size}` } });
  }
  const end = Math.min(range.end ?? file.size - 1, file.size - 1);
  const length = end - range.start + 1;
  if (wantRangeMd5 && length > MAX_RANGE_SIZE) throw storageError("OutOfRangeInput");
  const data = wantRangeMd5 ? file.content.read(range.start, length) : undefined;
  return {
    status: 206,
    headers: {
      ...headers,
      "Accept-Ranges": "bytes",
      "Content-Range": `bytes ${range.start}-${end}/${file.size}`,
      "Content-MD5": data ? md5Base64(data) : undefined,
      "x-ms-content-md5": file.headers.contentMD5,
    },
    body: data ?? chunked(file, range.start, length),
  };
}

/** The body of a download, produced 4 MiB at a time so a large sparse file is never held whole. */
function chunked(file: FileNode, offset: number, length: number): StreamBody {
  const content = file.content;
  function* chunks(): Generator<Buffer> {
    for (let done = 0; done < length; done += DOWNLOAD_CHUNK) {
      yield content.read(offset + done, Math.min(DOWNLOAD_CHUNK, length - done));
    }
  }
  return { length, chunks: chunks() };
}

export function deleteFile(context: HandlerContext): Reply {
  const { request, account } = context;
  const { share, components } = shareAndPath(account, request);
  const file = findFile(share, components);
  removeChild(file.parent!, file.name);
  if (file.copy?.status === "pending") file.copy.status = "aborted";
  return { status: 202 };
}

export function setFileHttpHeaders(context: HandlerContext): Reply {
  const { request, account, now } = context;
  const { share, components } = shareAndPath(account, request);
  const file = findFile(share, components);
  const size = integerHeader(request, "x-ms-content-length", MAX_FILE_SIZE);
  const smb = smbForSet(request, share, file, now);
  // Content headers are set together: if any is present, the absent ones are cleared.
  const anyContentHeader = Object.values(CONTENT_HEADER_NAMES).some(
    (name) => request.headers[name] !== undefined,
  );
  const contentHeaders = anyContentHeader ? contentHeadersOf(request) : file.headers;
  if (size !== undefined && size !== file.size) {
    if (size < file.size) file.content.truncate(size);
    file.size = size;
  }
  file.headers = contentHeaders;
  file.smb = smb;
  touch(file, now);
  return {
    status: 200,
    headers: { ...entityHeaders(file), ...smbHeaders(file), "x-ms-request-server-encrypted": "true" },
  };
}

export function setFileMetadata(context: HandlerContext): Reply {
  const { request, account, now } = context;
  const { share, components } = shareAndPath(account, request);
  const file = findFile(share, components);
  file.metadata = metadataOf(request);
  touch(file, now);
  return { status: 200, headers: { ETag: file.etag, "x-ms-request-server-encrypted": "true" } };
}

/** `x-ms-file-last-write-time: now | preserve` on range writes. */
export function applyRangeWriteTime(request: FileRequest, file: FileNode, now: Date): void {
  const mode = (request.headers["x-ms-file-last-write-time"] ?? "now").toLowerCase();
  if (mode === "now")
    file.smb = { ...file.smb, lastWriteTime: formatSmbTime(now), changeTime: formatSmbTime(now) };
  else if (mode !== "preserve") {
    throw headerError(
      "InvalidHeaderValue",
      "x-ms-file-last-write-time",
      request.headers["x-ms-file-last-write-time"],
    );
  }
}

/** The destination range of a range write: required, closed, within the file, at most 4 MiB. */
export function writeRange(request: FileRequest, file: FileNode): { start: number; end: number } {
  const range = requestRange(request, { requireEnd: true });
  if (!range) throw headerError("MissingRequiredHeader", "x-ms-range");
  const end = range.end!;
  if (end - range.start + 1 > MAX_RANGE_SIZE)
    throw headerError("InvalidHeaderValue", range.header, range.value);
  if (end >= file.size) throw storageError("InvalidRange");
  return { start: range.start, end };
}

export function uploadRange(context: HandlerContext): Reply {
  const { request, account, now } = context;
  const { share, components } = shareAndPath(account, request);
  const file = findFile(share, components);
  const write = requireHeader(request, "x-ms-write").toLowerCase();
  if (write !== "update" && write !== "clear") {
    throw headerError("InvalidHeaderValue", "x-ms-write", request.headers["x-ms-write"]);
  }
  if (request.headers["x-ms-structured-body"] !== undefined) {
    throw headerError("UnsupportedHeader", "x-ms-structured-body");
  }
  const contentLength = integerHeader(request, "content-length") ?? 0;
  const { start, end } = writeRange(request, file);
  let md5: string | undefined;
  if (write === "update") {
    if (contentLength !== end - start + 1 || request.body.length !== contentLength) {
      throw headerError("InvalidHeaderValue", "Content-Length", String(contentLength));
    }
    md5 = md5Base64(request.body);
    const expected = md5Header(request, "content-md5");
    if (expected !== undefined && expected !== md5) throw storageError("Md5Mismatch");
    file.content.write(start, request.body);
  } else {
    if (contentLength !== 0) throw headerError("InvalidHeaderValue", "Content-Length", String(contentLength));
    file.content.clear(start, end - start + 1);
  }
  applyRangeWriteTime(request, file, now);
  touch(file, now);
  return {
    status: 201,
    headers: {
      ...entityHeaders(file),
      "Content-MD5": md5,
      "x-ms-file-last-write-time": file.smb.lastWriteTime,
      "x-ms-request-server-encrypted": "true",
    },
  };
}

export function getRangeList(context: HandlerContext): Reply {
  const { request, account } = context;
  const { share, components } = shareAndPath(account, request);
  if (
    request.query.get("prevsharesnapshot") !== undefined ||
    request.query.get("sharesnapshot") !== undefined
  ) {
    throw new StorageError("NotImplemented", { message: "Share snapshots are not emulated." });
  }
  const file = findFile(share, components);
  const range = requestRange(request, { requireEnd: true });
  let ranges = range ? file.content.ranges(range.start, range.end! - range.start + 1) : file.content.ranges();
  ranges = ranges
    .filter((r) => r.start < file.size)
    .map((r) => ({ start: r.start, end: Math.min(r.end, file.size - 1) }));
  const maxResults = queryInteger(request, "maxresults", { min: 1, max: 2 ** 31 - 1 });
  const marker = request.query.get("marker");
  let nextMarker: string | undefined;
  if (marker !== undefined || maxResults !== undefined) {
    const from = marker ? Number(marker) : 0;
    if (!Number.isSafeInteger(from) || from < 0) throw storageError("InvalidMarker");
    ranges = ranges.filter((r) => r.end >= from).map((r) => ({ start: Math.max(r.start, from), end: r.end }));
    if (maxResults !== undefined && ranges.length > maxResults) {
      nextMarker = String(ranges[maxResults]!.start);
      ranges = ranges.slice(0, maxResults);
    }
  }
  const body =
    XML_DECLARATION +
    "<Ranges>" +
    ranges.map((r) => `<Range>${element("Start", r.start)}${element("End", r.end)}</Range>`).join("") +
    (marker !== undefined || maxResults !== undefined ? element("NextMarker", nextMarker ?? "") : "") +
    "</Ranges>";
  return {
    status: 200,
    headers: { ...entityHeaders(file), "x-ms-content-length": file.size },
    body,
    contentType: "application/xml",
  };
}
