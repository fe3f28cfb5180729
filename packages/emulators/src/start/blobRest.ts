// Just enough of a Blob REST client to seed a sample estate into Azurite at run time, without a
// dependency on @azure/storage-blob: Shared Key signed PUTs on path-style URLs.
import { createHmac } from "node:crypto";
import { compareHeaderNames } from "../files/auth/headerOrder.js";

const VERSION = "2025-01-05";

export interface BlobAccount {
  /** `http://127.0.0.1:PORT/<account>` */
  endpoint: string;
  name: string;
  /** Base64 account key. */
  key: string;
}

function sign(account: BlobAccount, method: string, url: URL, headers: Record<string, string>): string {
  const get = (name: string) => headers[name] ?? "";
  const length = get("content-length") === "0" ? "" : get("content-length");
  const standard = [
    method,
    get("content-encoding"),
    get("content-language"),
    length,
    get("content-md5"),
    get("content-type"),
    get("date"),
    get("if-modified-since"),
    get("if-match"),
    get("if-none-match"),
    get("if-unmodified-since"),
    get("range"),
  ].join("\n");
  const canonicalHeaders = Object.keys(headers)
    .filter((name) => name.startsWith("x-ms-"))
    .sort(compareHeaderNames)
    .map((name) => `${name}:${headers[name]}\n`)
    .join("");
  const query = [...url.searchParams.keys()]
    .map((k) => k.toLowerCase())
    .sort()
    .map((k) => `\n${k}:${url.searchParams.getAll(k).sort().join(",")}`)
    .join("");
  const stringToSign = `${standard}\n${canonicalHeaders}/${account.name}${url.pathname}${query}`;
  const signature = createHmac("sha256", Buffer.from(account.key, "base64"))
    .update(stringToSign, "utf8")
    .digest("base64");
  return `SharedKey ${account.name}:${signature}`;
}

async function put(
  account: BlobAccount,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<void> {
  const url = new URL(`${account.endpoint}/${path}`);
  const all: Record<string, string> = {
    ...headers,
    "x-ms-date": new Date().toUTCString(),
    "x-ms-version": VERSION,
    "content-length": String(body?.length ?? 0),
  };
  all.authorization = sign(account, "PUT", url, all);
  const response = await fetch(url, {
    method: "PUT",
    headers: all,
    body: body ? new Uint8Array(body) : undefined,
  });
  if (!response.ok) {
    throw new Error(`PUT ${url.pathname} answered ${response.status}: ${await response.text()}`);
  }
}

function metadataHeaders(metadata: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-ms-meta-${k.toLowerCase()}`, v]));
}

export async function createContainer(
  account: BlobAccount,
  container: string,
  metadata?: Record<string, string>,
): Promise<void> {
  await put(account, `${container}?restype=container`, metadataHeaders(metadata));
}

export interface PutBlobOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  tags?: Record<string, string>;
}

export async function putBlockBlob(
  account: BlobAccount,
  container: string,
  name: string,
  content: string | Buffer,
  options: PutBlobOptions = {},
): Promise<void> {
  const headers: Record<string, string> = {
    "x-ms-blob-type": "BlockBlob",
    ...metadataHeaders(options.metadata),
  };
  if (options.contentType) headers["content-type"] = options.contentType;
  if (options.tags) headers["x-ms-tags"] = new URLSearchParams(options.tags).toString();
  const path = `${container}/${name.split("/").map(encodeURIComponent).join("/")}`;
  await put(account, path, headers, typeof content === "string" ? Buffer.from(content, "utf8") : content);
}
