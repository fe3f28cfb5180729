// Reading the source of a server-side copy: over HTTP (another account here, Azurite, any URL
// with a SAS), or straight from memory for a file of the same account without a SAS, which the
// service allows under the destination's Shared Key. The service copies the bytes as stored,
// whatever their Content-Encoding: so the source is read with node:http, which (unlike fetch)
// never decompresses.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { StorageError } from "../errors.js";
import { parseItemPath } from "../names.js";
import { decodeSegments } from "../request.js";
import type { ContentHeaders } from "../store.js";
import { findShare } from "./common.js";
import type { EmulatorServices } from "./context.js";
import { findFile } from "./file.js";

export interface CopySource {
  data: Buffer;
  /** Total size of the source (not just the range read). */
  size: number;
  headers: ContentHeaders;
  metadata: Record<string, string>;
  /** SMB properties when the source is an Azure file. */
  smb?: {
    attributes?: string;
    creationTime?: string;
    lastWriteTime?: string;
    changeTime?: string;
    /** The source file's permission key (its share's), when it has one. */
    permissionKey?: string;
    /** Its security descriptor, when the emulator can read it (a file of this emulator). */
    sddl?: string;
  };
}

export interface ReadSourceOptions {
  /** Inclusive byte range to read; the whole source when absent. */
  range?: { start: number; end: number };
  /** `x-ms-copy-source-authorization`, forwarded as `Authorization`. */
  authorization?: string;
  /** The account of the destination, when the request was signed with its Shared Key. */
  sharedKeyAccount?: string;
  /** `x-ms-source-allow-trailing-dot: true`: the source path keeps its trailing dots. */
  sourceAllowTrailingDot?: boolean;
}

const SOURCE_VERSION = "2025-01-05";

export function parseCopySource(value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
    return url;
  } catch {
    throw new StorageError("InvalidHeaderValue", {
      details: { HeaderName: "x-ms-copy-source", HeaderValue: value },
    });
  }
}

function copySourceError(status: number, code: string, message: string): StorageError {
  return new StorageError("CannotVerifyCopySource", {
    status: status >= 400 ? status : 500,
    message,
    details: {
      CopySourceStatusCode: String(status),
      CopySourceErrorCode: code,
      CopySourceErrorMessage: message,
    },
    headers: { "x-ms-copy-source-status-code": String(status), "x-ms-copy-source-error-code": code },
  });
}

/** A same-account file of this emulator, read without HTTP. */
function readLocal(services: EmulatorServices, url: URL, options: ReadSourceOptions): CopySource | undefined {
  if (!services.isOwnUrl(url) || url.searchParams.has("sig") || !options.sharedKeyAccount) return undefined;
  const [accountName, shareName, ...segments] = decodeSegments(url.pathname);
  if (accountName !== options.sharedKeyAccount) return undefined;
  const account = services.accounts.get(accountName);
  if (!account) return undefined;
  try {
    const share = findShare(account, shareName);
    // As for any request: `dir%2Ffile` names the same file as `dir/file`.
    const path = parseItemPath(segments.join("/"), options.sourceAllowTrailingDot ?? false);
    const file = findFile(share, path);
    const start = options.range?.start ?? 0;
    const end = options.range?.end ?? file.size - 1;
    if (options.range && start >= file.size)
      throw copySourceError(
        416,
        "InvalidRange",
        "The range specified is invalid for the current size of the resource.",
      );
    return {
      data: file.content.read(start, Math.max(0, Math.min(end, file.size - 1) - start + 1)),
      size: file.size,
      headers: { ...file.headers },
      metadata: { ...file.metadata },
      smb: {
        attributes: file.smb.attributes.join("|") || "None",
        creationTime: file.smb.creationTime,
        lastWriteTime: file.smb.lastWriteTime,
        changeTime: file.smb.changeTime,
        permissionKey: file.smb.permissionKey,
        sddl: share.permissions.get(file.smb.permissionKey),
      },
    };
  } catch (error) {
    if (error instanceof StorageError && error.code !== "CannotVerifyCopySource") {
      throw copySourceError(error.status, error.code, error.message);
    }
    throw error;
  }
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** GET without any content decoding: the body is the stored bytes. */
function getRaw(url: URL, headers: Record<string, string>): Promise<RawResponse> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: "GET", headers, timeout: 60_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? "",
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
    });
    request.on("timeout", () => request.destroy(new Error("timed out after 60 s")));
    request.on("error", reject);
    request.end();
  });
}

async function readOverHttp(
  services: EmulatorServices,
  url: URL,
  options: ReadSourceOptions,
): Promise<CopySource> {
  const headers: Record<string, string> = { "x-ms-version": SOURCE_VERSION, "accept-encoding": "identity" };
  if (options.range) headers["x-ms-range"] = `bytes=${options.range.start}-${options.range.end}`;
  if (options.authorization) headers.authorization = options.authorization;
  let response: RawResponse;
  try {
    response = await getRaw(url, headers);
  } catch (error) {
    throw copySourceError(
      500,
      "CannotConnect",
      `Could not read the copy source: ${(error as Error).message}`,
    );
  }
  const data = response.body;
  if (response.status < 200 || response.status > 299) {
    const code = header(response, "x-ms-error-code") ?? "CannotVerifyCopySource";
    const message =
      /<Message>([^<]*)/.exec(data.toString("utf8"))?.[1]?.split("\n")[0] ?? response.statusText;
    throw copySourceError(response.status, code, message);
  }
  const h = (name: string) => header(response, name);
  const contentRange = h("content-range");
  const size = contentRange ? Number(contentRange.split("/")[1]) : data.length;
  const metadata: Record<string, string> = {};
  for (const name of Object.keys(response.headers)) {
    const value = h(name);
    if (name.startsWith("x-ms-meta-") && value !== undefined)
      metadata[name.slice("x-ms-meta-".length)] = value;
  }
  const contentHeaders: ContentHeaders = {};
  if (h("content-type")) contentHeaders.contentType = h("content-type");
  if (h("content-encoding")) contentHeaders.contentEncoding = h("content-encoding");
  if (h("content-language")) contentHeaders.contentLanguage = h("content-language");
  if (h("cache-control")) contentHeaders.cacheControl = h("cache-control");
  if (h("content-disposition")) contentHeaders.contentDisposition = h("content-disposition");
  const md5 = options.range ? h("x-ms-content-md5") : (h("content-md5") ?? h("x-ms-blob-content-md5"));
  if (md5) contentHeaders.contentMD5 = md5;
  const isFile = h("x-ms-file-attributes") !== undefined;
  const permissionKey = h("x-ms-file-permission-key");
  return {
    data,
    size,
    headers: contentHeaders,
    metadata,
    smb: isFile
      ? {
          attributes: h("x-ms-file-attributes"),
          creationTime: h("x-ms-file-creation-time"),
          lastWriteTime: h("x-ms-file-last-write-time"),
          changeTime: h("x-ms-file-change-time"),
          ...(permissionKey !== undefined
            ? {
                permissionKey,
                sddl: permissionOfLocalSource(services, url, permissionKey),
              }
            : {}),
        }
      : undefined,
  };
}

function header(response: RawResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** The SDDL behind a source file's permission key, when that file lives in this emulator. */
function permissionOfLocalSource(
  services: EmulatorServices,
  url: URL,
  key: string | undefined,
): string | undefined {
  if (key === undefined || !services.isOwnUrl(url)) return undefined;
  const [accountName, shareName] = decodeSegments(url.pathname);
  const share =
    accountName === undefined ? undefined : services.accounts.get(accountName)?.shares.get(shareName ?? "");
  return share?.permissions.get(key);
}

export async function readCopySource(
  services: EmulatorServices,
  url: URL,
  options: ReadSourceOptions,
): Promise<CopySource> {
  return readLocal(services, url, options) ?? (await readOverHttp(services, url, options));
}
