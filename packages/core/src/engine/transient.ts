/**
 * Which failures are worth retrying, and how long the service asked us to wait.
 * Works on `RestError`s from any copy of `@azure/core-rest-pipeline` (structural), on Node
 * network errors, and on raw responses.
 */

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "REQUEST_SEND_ERROR",
]);

interface HeadersLike {
  get?(name: string): string | undefined | null;
  [name: string]: unknown;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const h = headers as HeadersLike;
  if (typeof h.get === "function") {
    const v = h.get(name);
    return v === null ? undefined : v;
  }
  const direct = h[name] ?? h[name.toLowerCase()];
  return typeof direct === "string" ? direct : undefined;
}

/** Milliseconds the server asked us to wait (`Retry-After` seconds or date, `retry-after-ms`), if any. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  const ms = header(headers, "retry-after-ms") ?? header(headers, "x-ms-retry-after-ms");
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = header(headers, "retry-after");
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface TransientInfo {
  readonly retryable: boolean;
  /** Throttling (429/503): the limiter slows down for this endpoint. */
  readonly throttled: boolean;
  readonly retryAfterMs?: number;
  /**
   * A server error that is not throttling (500, 502, 504, 408): worth a few retries, but one
   * that never heals should fail the item soon, so it gets the smaller `serverErrorRetries` budget.
   */
  readonly serverError?: boolean;
  /** The request never got an answer: refused, reset, timed out, host not found. */
  readonly connection?: boolean;
  readonly reason: string;
}

function errorCode(error: unknown): string | undefined {
  let node: unknown = error;
  for (let depth = 0; depth < 4 && node && typeof node === "object"; depth++) {
    const code = (node as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    node = (node as { cause?: unknown }).cause;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The first Node error code below a wrapper error (ECONNREFUSED under REQUEST_SEND_ERROR). */
function causeCode(error: unknown): string | undefined {
  let node: unknown = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; depth < 4 && node && typeof node === "object"; depth++) {
    const code = (node as { code?: unknown }).code;
    if (typeof code === "string" && code !== "REQUEST_SEND_ERROR") return code;
    node = (node as { cause?: unknown }).cause;
  }
  const message = (error as { message?: unknown } | null)?.message;
  const match = typeof message === "string" ? /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(message) : null;
  return match?.[1];
}

/** Classifies an HTTP status with its headers. */
export function classifyStatus(status: number, headers?: unknown): TransientInfo {
  const wait = retryAfterMs(headers);
  const throttled = status === 429 || status === 503;
  const retryable = RETRYABLE_STATUS.has(status);
  const reason = `HTTP ${status}${throttled ? (wait === undefined ? " without Retry-After" : ` (Retry-After ${wait} ms)`) : ""}`;
  return {
    retryable,
    throttled,
    reason,
    ...(retryable && !throttled ? { serverError: true } : {}),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  };
}

/** Classifies a thrown error (a RestError, a Node network error, an abort). */
export function classifyError(error: unknown): TransientInfo {
  if (!error || typeof error !== "object")
    return { retryable: false, throttled: false, reason: String(error) };
  const name = (error as { name?: unknown }).name;
  if (name === "AbortError") return { retryable: false, throttled: false, reason: "aborted" };
  const status = (error as { statusCode?: unknown }).statusCode ?? (error as { status?: unknown }).status;
  if (typeof status === "number") {
    const response = (error as { response?: { headers?: unknown } }).response;
    return classifyStatus(status, response?.headers);
  }
  const code = errorCode(error);
  if (code && NETWORK_CODES.has(code)) {
    // the SDK wraps a connection failure as REQUEST_SEND_ERROR: name the cause underneath
    const cause = code === "REQUEST_SEND_ERROR" ? causeCode(error) : undefined;
    return { retryable: true, throttled: false, connection: true, reason: `network error ${cause ?? code}` };
  }
  if (code === "ENOTFOUND")
    return { retryable: true, throttled: false, connection: true, reason: "network error ENOTFOUND" };
  const message = (error as { message?: unknown }).message;
  if (typeof message === "string" && /socket hang up|ECONNRESET|ECONNREFUSED|timed? ?out/i.test(message)) {
    return {
      retryable: true,
      throttled: false,
      connection: true,
      reason: `network error (${message.slice(0, 60)})`,
    };
  }
  return { retryable: false, throttled: false, reason: typeof message === "string" ? message : "error" };
}
