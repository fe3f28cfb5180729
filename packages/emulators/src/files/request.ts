// What a handler needs to know about one request: decoded path, query, headers, body.
import type { IncomingMessage } from "node:http";
import { headerError, queryError, StorageError, storageError } from "./errors.js";

/** Query parameters in arrival order; names compared case-insensitively. */
export type QueryPairs = Array<[name: string, value: string]>;

export interface FileRequest {
  method: string;
  /** The path exactly as received (percent-encoded), without the query. */
  rawPath: string;
  rawQuery: string;
  queryPairs: QueryPairs;
  /** Lower-cased query names → first value. */
  query: Map<string, string>;
  headers: Record<string, string>;
  account: string;
  /** Decoded path segments after the account: [share, ...path]. */
  segments: string[];
  requestId: string;
  clientAddress: string;
  /** The `x-ms-version` the response carries. */
  version: string;
  body: Buffer;
}

export function parseQuery(rawQuery: string): QueryPairs {
  const pairs: QueryPairs = [];
  if (rawQuery === "") return pairs;
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    try {
      pairs.push([decodeURIComponent(rawName), decodeURIComponent(rawValue)]);
    } catch {
      throw storageError("InvalidUri");
    }
  }
  return pairs;
}

export function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf("?");
  return q < 0 ? { rawPath: url, rawQuery: "" } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

export function decodeSegments(rawPath: string): string[] {
  try {
    return rawPath
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    throw storageError("InvalidUri");
  }
}

export function flattenHeaders(message: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

export function header(request: FileRequest, name: string): string | undefined {
  return request.headers[name];
}

export function requireHeader(request: FileRequest, name: string): string {
  const value = request.headers[name];
  if (value === undefined) throw headerError("MissingRequiredHeader", name);
  return value;
}

/** A non-negative integer header; `undefined` when absent. */
export function integerHeader(
  request: FileRequest,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw headerError("InvalidHeaderValue", name, value);
  const parsed = Number(value.trim());
  if (parsed > max) throw headerError("InvalidHeaderValue", name, value);
  return parsed;
}

export function booleanHeader(request: FileRequest, name: string): boolean | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw headerError("InvalidHeaderValue", name, value);
}

/** `x-ms-meta-*` headers → metadata, names as sent. */
export function metadataFromHeaders(request: FileRequest): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith("x-ms-meta-")) metadata[name.slice("x-ms-meta-".length)] = value;
  }
  return metadata;
}

export function queryInteger(
  request: FileRequest,
  name: string,
  range: { min: number; max: number },
): number | undefined {
  const value = request.query.get(name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw queryError("InvalidQueryParameterValue", name, value);
  const parsed = Number(value);
  if (parsed < range.min || parsed > range.max)
    throw queryError("OutOfRangeQueryParameterValue", name, value);
  return parsed;
}

export function isStorageError(error: unknown): error is StorageError {
  return error instanceof StorageError;
}
