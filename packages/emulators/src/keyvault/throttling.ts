import type { KeyVaultThrottling, ThrottleClass } from "./options.js";

/**
 * Per-vault limits per 10 seconds as the service documents them. Certificate create/import
 * makes a key, so it gets the software key CREATE limit.
 */
export const SERVICE_THROTTLE_LIMITS: Readonly<Record<ThrottleClass, number>> = {
  secretCreate: 300,
  secretOther: 4000,
  keyCreate: 20,
  hsmKeyCreate: 10,
  keyOther: 4000,
  certificateCreate: 20,
  certificateOther: 4000,
};

export const DEFAULT_THROTTLE_WINDOW_MS = 10_000;

const THROTTLE_CLASSES = Object.keys(SERVICE_THROTTLE_LIMITS) as ThrottleClass[];

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

const ADMITTED: Admission = { admitted: true };

/**
 * Exact sliding window: a ring of the last `limit` admission times. A request is admitted when
 * fewer than `limit` admissions happened within the window; O(1) per request.
 */
class SlidingWindowLog {
  private readonly times: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Float64Array(Math.max(limit, 1));
  }

  admit(now: number): Admission {
    if (this.limit <= 0)
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(this.windowMs / 1000)) };
    if (this.filled === this.limit) {
      const oldest = this.times[this.next] as number;
      const waitMs = oldest + this.windowMs - now;
      if (waitMs > 0) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } else {
      this.filled++;
    }
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    return ADMITTED;
  }
}

export function validateThrottling(value: unknown): KeyVaultThrottling | false {
  if (value === false) return false;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("Throttling must be false or an object { retryAfter, windowMs?, limits? }.");
  }
  const raw = value as Record<string, unknown>;
  if (typeof raw.retryAfter !== "boolean") throw new TypeError("throttling.retryAfter must be a boolean.");
  const result: KeyVaultThrottling = { retryAfter: raw.retryAfter };
  if (raw.windowMs !== undefined) {
    if (typeof raw.windowMs !== "number" || !(raw.windowMs > 0)) {
      throw new TypeError("throttling.windowMs must be a positive number of milliseconds.");
    }
    result.windowMs = raw.windowMs;
  }
  if (raw.limits !== undefined) {
    if (typeof raw.limits !== "object" || raw.limits === null)
      throw new TypeError("throttling.limits must be an object.");
    const limits: Partial<Record<ThrottleClass, number>> = {};
    for (const [cls, limit] of Object.entries(raw.limits)) {
      if (!THROTTLE_CLASSES.includes(cls as ThrottleClass)) {
        throw new TypeError(`Unknown throttle class '${cls}'; known: ${THROTTLE_CLASSES.join(", ")}.`);
      }
      if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) {
        throw new TypeError(`throttling.limits.${cls} must be a non-negative integer.`);
      }
      limits[cls as ThrottleClass] = limit;
    }
    result.limits = limits;
  }
  return result;
}

/** Throttling state of one vault; replaced wholesale when the settings change. */
export class VaultThrottle {
  private logs = new Map<ThrottleClass, SlidingWindowLog>();
  private current: KeyVaultThrottling | false = false;

  constructor(settings: KeyVaultThrottling | false) {
    this.configure(settings);
  }

  configure(settings: KeyVaultThrottling | false): void {
    this.current = settings === false ? false : { ...settings, limits: { ...settings.limits } };
    this.logs = new Map();
  }

  get settings(): KeyVaultThrottling | false {
    return this.current;
  }

  /** Effective limits and window, for observation. */
  describe(): {
    enabled: boolean;
    retryAfter: boolean;
    windowMs: number;
    limits: Record<ThrottleClass, number>;
  } {
    const settings = this.current;
    return {
      enabled: settings !== false,
      retryAfter: settings === false ? true : settings.retryAfter,
      windowMs:
        settings === false ? DEFAULT_THROTTLE_WINDOW_MS : (settings.windowMs ?? DEFAULT_THROTTLE_WINDOW_MS),
      limits: { ...SERVICE_THROTTLE_LIMITS, ...(settings === false ? {} : settings.limits) },
    };
  }

  admit(cls: ThrottleClass, now = Date.now()): Admission {
    const settings = this.current;
    if (settings === false) return ADMITTED;
    let log = this.logs.get(cls);
    if (!log) {
      const limit = settings.limits?.[cls] ?? SERVICE_THROTTLE_LIMITS[cls];
      log = new SlidingWindowLog(limit, settings.windowMs ?? DEFAULT_THROTTLE_WINDOW_MS);
      this.logs.set(cls, log);
    }
    return log.admit(now);
  }
}
