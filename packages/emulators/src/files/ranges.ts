// Byte ranges in headers: `bytes=start-end` (end inclusive) or `bytes=start-`.
import { headerError } from "./errors.js";
import type { FileRequest } from "./request.js";

export interface RequestedRange {
  start: number;
  /** Inclusive; `undefined` for an open range (`bytes=10-`). */
  end?: number;
  header: string;
  value: string;
}

const RANGE = /^bytes=(\d+)-(\d*)$/;

/** The range of a request: `x-ms-range` wins over `Range`, as at the service. */
export function requestRange(
  request: FileRequest,
  options: { requireEnd: boolean },
): RequestedRange | undefined {
  const header = request.headers["x-ms-range"] !== undefined ? "x-ms-range" : "range";
  const value = request.headers[header];
  if (value === undefined) return undefined;
  return parseRange(value, header, options);
}

export function parseRange(value: string, header: string, options: { requireEnd: boolean }): RequestedRange {
  const match = RANGE.exec(value.trim());
  if (!match) throw headerError("InvalidHeaderValue", header, value);
  const start = Number(match[1]);
  const end = match[2] === "" ? undefined : Number(match[2]);
  if ((end === undefined && options.requireEnd) || (end !== undefined && end < start)) {
    throw headerError("InvalidHeaderValue", header, value);
  }
  return end === undefined ? { start, header, value } : { start, end, header, value };
}
