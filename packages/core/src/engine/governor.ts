import type {
  HttpGovernor,
  HttpPolicyOptions,
  Logger,
  PipelinePolicyLike,
  PipelineRequestLike,
  PipelineResponseLike,
  ProgressSink,
  RateLimitSpec,
  Side,
} from "../contract/context.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";
import { SlidingWindow } from "./sliding-window.js";
import { classifyError, classifyStatus, type TransientInfo } from "./transient.js";

export interface GovernorSettings {
  /** Retries per request or operation before giving up (default 10). */
  readonly maxRetries?: number;
  /** First backoff without Retry-After; doubles each attempt (default 1000 ms: 1, 2, 4, 8, 16 s…). */
  readonly baseDelayMs?: number;
  /** Longest backoff (default 32 s). */
  readonly maxDelayMs?: number;
  /** Requests in flight per endpoint before adaptive reduction (default 32). */
  readonly maxInFlight?: number;
  /** Optional cap on requests per second per endpoint (`--rate`). */
  readonly ratePerSecond?: number;
  /** Extra time added to every service window, for latency between our clock and theirs (default 250 ms). */
  readonly windowMarginMs?: number;
  readonly logger: Logger;
  readonly progress: ProgressSink;
  /** Plugin name for `retried` events. */
  readonly plugin?: string;
  /** Injected in tests. */
  readonly sleep?: (ms: number, signal?: PipelineRequestLike["abortSignal"]) => Promise<void>;
}

export function abortableSleep(ms: number, signal?: PipelineRequestLike["abortSignal"]): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DataplaneError(ErrorCodes.Aborted, "aborted"));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DataplaneError(ErrorCodes.Aborted, "aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Limits and adaptive concurrency for one endpoint (side + origin). */
class Endpoint {
  readonly windows = new Map<string, SlidingWindow>();
  readonly rate: SlidingWindow | undefined;
  cooldownUntil = 0;
  inFlight = 0;
  cap: number;
  successesSinceChange = 0;
  readonly waiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly maxInFlight: number,
    ratePerSecond: number | undefined,
  ) {
    this.cap = maxInFlight;
    this.rate = ratePerSecond ? new SlidingWindow(Math.max(1, Math.floor(ratePerSecond)), 1000) : undefined;
  }

  addLimits(limits: readonly RateLimitSpec[], marginMs: number): void {
    for (const l of limits) {
      if (!this.windows.has(l.class))
        this.windows.set(l.class, new SlidingWindow(l.limit, l.windowMs + marginMs));
    }
  }

  /** Whether the service's limits are enforced (from the start, or since the first throttle). */
  paced = false;

  /** How long the declared windows of these classes need before one more request fits. */
  windowWaitMs(classes: readonly string[], now: number): number {
    let wait = 0;
    for (const c of classes) {
      const w = this.windows.get(c);
      if (w) wait = Math.max(wait, w.waitMs(now));
    }
    return wait;
  }

  waitMs(classes: readonly string[], now: number): number {
    let wait = Math.max(0, this.cooldownUntil - now);
    if (this.rate) wait = Math.max(wait, this.rate.waitMs(now));
    if (this.paced) wait = Math.max(wait, this.windowWaitMs(classes, now));
    return wait;
  }

  record(classes: readonly string[], now: number): void {
    this.rate?.record(now);
    for (const c of classes) this.windows.get(c)?.record(now);
  }

  /** A refused request did not count against the service's windows. */
  forget(classes: readonly string[], time: number): void {
    for (const c of classes) this.windows.get(c)?.forget(time);
  }

  async enter(): Promise<void> {
    while (this.inFlight >= this.cap) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
    this.waiters.shift()?.();
  }

  onSuccess(): void {
    if (this.cap >= this.maxInFlight) return;
    if (++this.successesSinceChange >= this.cap) {
      this.cap++;
      this.successesSinceChange = 0;
      this.waiters.shift()?.();
    }
  }

  onThrottle(delayMs: number, now: number): void {
    this.paced = true;
    this.cooldownUntil = Math.max(this.cooldownUntil, now + delayMs);
    this.cap = Math.max(1, Math.ceil(this.cap * 0.7));
    this.successesSinceChange = 0;
  }
}

function isReplayable(request: { body?: unknown }): boolean {
  const body = request.body;
  if (body === undefined || body === null || typeof body === "string" || typeof body === "function")
    return true;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  return false;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A throttled or refused request was not processed and may be sent again whatever its method.
 * A connection lost mid-request may have been processed: only safe methods are resent here;
 * a write goes back to the engine, which plans the item again before retrying it.
 */
function safeToResend(method: string, error: unknown, info: TransientInfo): boolean {
  if (error === undefined) return true;
  if (SAFE_METHODS.has(method.toUpperCase())) return true;
  return info.reason.includes("ECONNREFUSED");
}

function describe(request: PipelineRequestLike): string {
  try {
    const url = new URL(request.url);
    return `${request.method} ${url.host}${url.pathname}`;
  } catch {
    return request.method;
  }
}

/**
 * Retry and throttling for every plugin's HTTP traffic: sliding-window limits per endpoint
 * and class, adaptive concurrency, backoff on 429/503/5xx with or without `Retry-After`, on
 * connection resets and time-outs. Each retry is reported as a `retried` event.
 */
export class RequestGovernor implements HttpGovernor {
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #authFailures = new WeakMap<object, Side>();
  readonly #settings: GovernorSettings;
  readonly #sleep: (ms: number, signal?: PipelineRequestLike["abortSignal"]) => Promise<void>;
  #retries = 0;

  constructor(settings: GovernorSettings) {
    this.#settings = settings;
    this.#sleep = settings.sleep ?? abortableSleep;
  }

  /** Retries performed so far (all endpoints). */
  get retries(): number {
    return this.#retries;
  }

  get maxRetries(): number {
    return this.#settings.maxRetries ?? 10;
  }

  backoffMs(attempt: number): number {
    const base = this.#settings.baseDelayMs ?? 1000;
    const max = this.#settings.maxDelayMs ?? 32_000;
    const raw = Math.min(max, base * 2 ** attempt);
    return Math.round(raw * (0.8 + Math.random() * 0.4));
  }

  #endpoint(side: string, url: URL): Endpoint {
    const key = `${side} ${url.origin}`;
    let ep = this.#endpoints.get(key);
    if (!ep) {
      ep = new Endpoint(key, this.#settings.maxInFlight ?? 32, this.#settings.ratePerSecond);
      this.#endpoints.set(key, ep);
    }
    return ep;
  }

  #reportRetry(operation: string, attempt: number, delayMs: number, info: TransientInfo): void {
    this.#retries++;
    this.#settings.progress.emit({
      type: "retried",
      ...(this.#settings.plugin ? { plugin: this.#settings.plugin } : {}),
      operation,
      attempt,
      delayMs,
      reason: info.reason,
    });
    this.#settings.logger.debug(`retry ${attempt} of ${operation} in ${delayMs} ms: ${info.reason}`);
  }

  policy<
    Req extends PipelineRequestLike = PipelineRequestLike,
    Res extends PipelineResponseLike = PipelineResponseLike,
  >(options: HttpPolicyOptions): PipelinePolicyLike<Req, Res> {
    const margin = this.#settings.windowMarginMs ?? 250;
    const limits = options.limits ?? [];
    return {
      name: `dataplaneGovernor-${options.side}`,
      sendRequest: async (request: Req, next: (request: Req) => Promise<Res>): Promise<Res> => {
        const url = new URL(request.url);
        const ep = this.#endpoint(options.side, url);
        if (limits.length > 0) ep.addLimits(limits, margin);
        if (options.pacing === "limits") ep.paced = true;
        const classes = options.classify ? options.classify({ method: request.method, url }) : [];
        const operation = describe(request);
        for (let attempt = 0; ; attempt++) {
          for (let wait = ep.waitMs(classes, Date.now()); wait > 0; wait = ep.waitMs(classes, Date.now())) {
            await this.#sleep(wait, request.abortSignal);
          }
          const sentAt = Date.now();
          ep.record(classes, sentAt);
          await ep.enter();
          let response: Res | undefined;
          let error: unknown;
          try {
            response = await next(request);
          } catch (e) {
            error = e;
          } finally {
            ep.leave();
          }
          // Some SDKs (the storage ones) throw a 401/403 inside the pipeline instead of returning it.
          const refused = response?.status ?? (error as { statusCode?: unknown } | undefined)?.statusCode;
          if (refused === 401 || refused === 403) {
            this.#authFailures.set(request, options.side);
          }
          const info = response ? classifyStatus(response.status, response.headers) : classifyError(error);
          const failed = error !== undefined || (response !== undefined && response.status >= 400);
          if (
            !failed ||
            !info.retryable ||
            attempt >= this.maxRetries ||
            !isReplayable(request) ||
            !safeToResend(request.method, error, info)
          ) {
            if (!failed) ep.onSuccess();
            if (error !== undefined) throw error;
            return response!;
          }
          let delay = info.retryAfterMs;
          if (info.throttled) {
            ep.forget(classes, sentAt);
            // No Retry-After: the declared window tells when a slot frees, better than guessing 1, 2, 4 s.
            if (delay === undefined) {
              const windowWait = ep.windowWaitMs(classes, Date.now());
              if (windowWait > 0) delay = windowWait;
            }
          }
          delay ??= this.backoffMs(attempt);
          if (info.throttled) ep.onThrottle(delay, Date.now());
          this.#reportRetry(operation, attempt + 1, delay, info);
          if (!info.throttled) await this.#sleep(delay, request.abortSignal);
        }
      },
    };
  }

  /** The side whose endpoint answered 401/403 to this request (from a RestError's `request`). */
  sideOfAuthFailure(request: unknown): Side | undefined {
    return request && typeof request === "object" ? this.#authFailures.get(request) : undefined;
  }

  async retry<T>(operation: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (error) {
        const info = classifyError(error);
        if (!info.retryable || attempt >= this.maxRetries) throw error;
        const delay = info.retryAfterMs ?? this.backoffMs(attempt);
        this.#reportRetry(operation, attempt + 1, delay, info);
        await this.#sleep(delay);
      }
    }
  }
}
