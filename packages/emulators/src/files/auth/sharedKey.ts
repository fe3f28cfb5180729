// Shared Key: recompute the string-to-sign the way the service does and compare HMAC-SHA256s.
import { createHmac, timingSafeEqual } from "node:crypto";
import { authenticationFailed, storageError } from "../errors.js";
import type { FileRequest } from "../request.js";
import { compareHeaderNames } from "./headerOrder.js";

const STANDARD_HEADERS = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
] as const;

/** Requests older than this are refused, as by the service. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

function standardHeaderLines(request: FileRequest, order: readonly string[]): string {
  return order
    .map((name) => {
      const value = request.headers[name] ?? "";
      // Since 2015-02-21 a zero Content-Length is signed as an empty string.
      return name === "content-length" && value === "0" ? "" : value;
    })
    .join("\n");
}

function canonicalizedHeaders(request: FileRequest): string {
  return Object.keys(request.headers)
    .filter((name) => name.startsWith("x-ms-"))
    .sort(compareHeaderNames)
    .map((name) => `${name}:${(request.headers[name] ?? "").trimStart()}\n`)
    .join("");
}

/**
 * The canonicalized query: every parameter, lower-cased names sorted, values decoded, repeated
 * names joined by commas. `dropEmpty` reproduces the JS SDK, which leaves out parameters with
 * an empty value when it signs.
 */
function canonicalizedQuery(request: FileRequest, dropEmpty: boolean): string {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of request.queryPairs) {
    if (dropEmpty && value === "") continue;
    const key = name.toLowerCase();
    const values = grouped.get(key) ?? [];
    values.push(value);
    grouped.set(key, values);
  }
  return [...grouped.keys()]
    .sort()
    .map((key) => `\n${key}:${(grouped.get(key) ?? []).sort().join(",")}`)
    .join("");
}

/**
 * Every string-to-sign the service accepts for this request. Path-style URLs carry the account
 * in the path, and the SDK signs `/<account>/<account>/share/...`; a client that signs the
 * service-style resource `/<account>/share/...` is accepted too. The JS SDK also puts
 * Content-Language before Content-Encoding (the documented order is the reverse).
 */
export function stringsToSign(request: FileRequest, account: string): string[] {
  const documentedOrder = STANDARD_HEADERS;
  const sdkOrder = ["content-language", "content-encoding", ...STANDARD_HEADERS.slice(2)];
  const headerVariants = new Set([
    standardHeaderLines(request, documentedOrder),
    standardHeaderLines(request, sdkOrder),
  ]);
  const resources = new Set([`/${account}${request.rawPath || "/"}`]);
  const accountPrefix = `/${account}`;
  if (request.rawPath === accountPrefix || request.rawPath.startsWith(`${accountPrefix}/`)) {
    resources.add(`/${account}${request.rawPath.slice(accountPrefix.length) || "/"}`);
  }
  const queries = new Set([canonicalizedQuery(request, false), canonicalizedQuery(request, true)]);
  const headers = canonicalizedHeaders(request);
  const result: string[] = [];
  for (const standard of headerVariants) {
    for (const resource of resources) {
      for (const query of queries) {
        result.push(`${request.method}\n${standard}\n${headers}${resource}${query}`);
      }
    }
  }
  return result;
}

export function hmacBase64(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("base64");
}

export function signaturesMatch(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Verifies `Authorization: SharedKey account:signature`; throws the service's errors. */
export function verifySharedKey(
  request: FileRequest,
  authorization: string,
  account: string,
  key: Buffer,
): void {
  const match = /^SharedKey ([^:]+):(.+)$/.exec(authorization.trim());
  if (!match) {
    if (/^SharedKeyLite /.test(authorization)) {
      throw authenticationFailed("SharedKeyLite is not supported by the dataplane Azure Files emulator.");
    }
    throw storageError("InvalidAuthenticationInfo");
  }
  const [, signingAccount = "", signature = ""] = match;
  if (signingAccount !== account) {
    throw authenticationFailed(
      `The account being accessed does not match the account in the request: ${signingAccount}.`,
    );
  }
  const date = request.headers["x-ms-date"] ?? request.headers.date;
  if (date === undefined) throw authenticationFailed("Request date header not specified.");
  const time = Date.parse(date);
  if (Number.isNaN(time)) throw authenticationFailed(`Request date header invalid: '${date}'.`);
  if (Date.now() - time > MAX_CLOCK_SKEW_MS)
    throw authenticationFailed(`Request date header too old: '${date}'.`);
  const candidates = stringsToSign(request, account);
  for (const candidate of candidates) {
    if (signaturesMatch(hmacBase64(key, candidate), signature)) return;
  }
  throw authenticationFailed(
    `The MAC signature found in the HTTP request '${signature}' is not the same as any computed signature. Server used following string to sign: '${candidates[0]}'.`,
  );
}
