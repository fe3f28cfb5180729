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
  /** Retries of throttling (429/503) and connection errors per request or item (default 10). */
  readonly maxRetries?: number;
  /**
   * Retries of other server errors (500, 502, 504, 408) per request or item (default 3, never
   * more than `maxRetries`): an error that never heals fails its item in seconds, not minutes.
   */
  readonly serverErrorRetries?: number;
  /** First backoff without Retry-After; doubles each attempt (default 1000 ms: 1, 2, 4, 8, 16 s…). */
  readonly baseDelayMs?: number;
  /**
   * Longest single wait the governor chooses itself (default 30 s), jitter included. A longer
   * `Retry-After` from the service is still honoured.
   */
  readonly maxDelayMs?: number;
  /**
   * How long every request to one endpoint may fail at the connection level (refused, reset,
   * timed out, not resolved) with no answer in between before the endpoint is declared
   * unreachable and the run stops (default 120 s).
   */
  readonly unreachableAfterMs?: number;
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
  /** Since when every request failed at the connection level (undefined: the last one was answered). */
  failingSince: number | undefined;
  /** Set once the endpoint is declared unreachable: later requests fail at once. */
  unreachable: DataplaneError | undefined;
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
  readonly #exhausted = new WeakSet<object>();
  readonly #requestEndpoints = new WeakMap<object, Endpoint>();
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

  get serverErrorRetries(): number {
    return Math.min(this.maxRetries, this.#settings.serverErrorRetries ?? 3);
  }

  /** The longest wait the governor chooses itself (a longer Retry-After is still honoured). */
  get maxDelayMs(): number {
    return this.#settings.maxDelayMs ?? 30_000;
  }

  get unreachableAfterMs(): number {
    return this.#settings.unreachableAfterMs ?? 120_000;
  }

  /** Retries allowed for a failure of this kind: fewer for server errors than for throttling. */
  retryBudget(info: TransientInfo): number {
    return info.serverError ? this.serverErrorRetries : this.maxRetries;
  }

  /**
   * Whether the governor already retried this failed request until its budget ran out (from a
   * RestError's `request`): the engine then fails the item instead of retrying it again, so
   * budgets do not multiply.
   */
  exhausted(error: unknown): boolean {
    const request = (error as { request?: unknown } | null)?.request;
    return typeof request === "object" && request !== null && this.#exhausted.has(request);
  }

  /**
   * Whether the endpoint of this failed request has answered nothing since its connection
   * errors began: retries go on until it answers or is declared unreachable.
   */
  stillFailing(error: unknown): boolean {
    const request = (error as { request?: unknown } | null)?.request;
    if (typeof request !== "object" || request === null) return false;
    return this.#requestEndpoints.get(request)?.failingSince !== undefined;
  }

  /** Exponential backoff with jitter, never above `maxDelayMs`. */
  backoffMs(attempt: number): number {
    const base = this.#settings.baseDelayMs ?? 1000;
    const max = this.maxDelayMs;
    const raw = Math.min(max, base * 2 ** Math.min(attempt, 30));
    return Math.min(max, Math.round(raw * (0.8 + Math.random() * 0.4)));
  }

  /** A connection-level failure of a request to `ep`: the endpoint may now count as unreachable. */
  #connectionFailed(ep: Endpoint, side: string, url: URL, info: TransientInfo): void {
    const now = Date.now();
    ep.failingSince ??= now;
    if (ep.unreachable || now - ep.failingSince < this.unreachableAfterMs) return;
    const since = new Date(ep.failingSince).toISOString().replace(/\.\d+Z$/, "Z");
    ep.unreachable = new DataplaneError(
      ErrorCodes.Unreachable,
      `${side} unreachable since ${since} (${url.origin}: ${info.reason}, every request for ${Math.round((now - ep.failingSince) / 1000)} s)`,
      {
        hint: "nothing lost; run the same command with --resume once it answers again",
        details: { side, origin: url.origin, since },
      },
    );
    this.#settings.logger.debug(`${side} ${url.origin} declared unreachable: ${info.reason}`);
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
        this.#requestEndpoints.set(request, ep);
        for (let attempt = 0; ; attempt++) {
          if (ep.unreachable) throw ep.unreachable;
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
          if (response) ep.failingSince = undefined;
          else if (info.connection) {
            this.#connectionFailed(ep, options.side, url, info);
            if (ep.unreachable) throw ep.unreachable;
          }
          const failed = error !== undefined || (response !== undefined && response.status >= 400);
          // A connection error on an endpoint that answers nothing at all is retried until the
          // endpoint answers again or is declared unreachable (`unreachableAfterMs`).
          const outOfBudget =
            attempt >= this.retryBudget(info) && !(info.connection === true && ep.failingSince !== undefined);
          if (
            !failed ||
            !info.retryable ||
            outOfBudget ||
            !isReplayable(request) ||
            !safeToResend(request.method, error, info)
          ) {
            if (!failed) ep.onSuccess();
            if (failed && info.retryable && outOfBudget) this.#exhausted.add(request);
            if (error !== undefined) throw error;
            return response!;
          }
          let delay = info.retryAfterMs;
          if (info.throttled) {
            ep.forget(classes, sentAt);
            // No Retry-After: the declared window tells when a slot frees, better than guessing 1, 2, 4 s.
            if (delay === undefined) {
              const windowWait = ep.windowWaitMs(classes, Date.now());
              if (windowWait > 0) delay = Math.min(windowWait, this.maxDelayMs);
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
        if (!info.retryable || attempt >= this.retryBudget(info) || this.exhausted(error)) throw error;
        const delay = info.retryAfterMs ?? this.backoffMs(attempt);
        this.#reportRetry(operation, attempt + 1, delay, info);
        await this.#sleep(delay);
      }
    }
  }
}
