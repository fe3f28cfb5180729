import type { CertificateClientOptions } from "@azure/keyvault-certificates";
import type { RateLimitSpec } from "@dataplane/core";
import { classifyRequest } from "./limits.js";

type PipelinePolicy = NonNullable<CertificateClientOptions["additionalPolicies"]>[number]["policy"];

/** Time the service's window needs beyond our own clock reading. */
const MARGIN_MS = 150;

/**
 * What one vault (one side) has shown about its throttling. Until it answers 429, the governor
 * does not pace requests by the declared limits, so a vault with headroom (or an emulator without
 * throttling) runs at full speed; from the first 429 on, every request class is paced.
 *
 * Key Vault often answers 429 without Retry-After. Knowing the limits and when our own requests
 * of that class were accepted, the watch tells when the service's window frees a slot and states
 * it as `retry-after-ms`, so the governor waits that long instead of guessing 1, 2, 4, 8 s.
 */
export class ThrottleWatch {
  #armed: boolean;
  readonly #accepted = new Map<string, number[]>();
  readonly limits: readonly RateLimitSpec[];

  /** `armed`: pace from the first request (`--pace limits`). */
  constructor(limits: readonly RateLimitSpec[], armed = false) {
    this.limits = limits;
    this.#armed = armed;
  }

  /** The vault has throttled us at least once. */
  get armed(): boolean {
    return this.#armed;
  }

  #record(classes: readonly string[], now: number): void {
    for (const c of classes) {
      const spec = this.limits.find((l) => l.class === c);
      if (!spec) continue;
      let log = this.#accepted.get(c);
      if (!log) {
        log = [];
        this.#accepted.set(c, log);
      }
      log.push(now);
      if (log.length > spec.limit * 2) log.splice(0, log.length - spec.limit);
    }
  }

  /** Milliseconds until the service's window of every class has room again, if our log shows it full. */
  estimateWaitMs(classes: readonly string[], now: number): number | undefined {
    let wait: number | undefined;
    for (const c of classes) {
      const spec = this.limits.find((l) => l.class === c);
      const log = this.#accepted.get(c);
      if (!spec || !log || log.length < spec.limit) continue;
      const oldest = log[log.length - spec.limit]!;
      const w = oldest + spec.windowMs + MARGIN_MS - now;
      if (w > 0) wait = Math.max(wait ?? 0, Math.ceil(w));
    }
    return wait;
  }

  /** A policy placed after core's governor: it sees every attempt's response. */
  policy(hsm: boolean): PipelinePolicy {
    return {
      name: "dataplaneKeyVaultThrottleWatch",
      sendRequest: async (request, next) => {
        const response = await next(request);
        const now = Date.now();
        const classes = classifyRequest({ method: request.method, url: new URL(request.url) }, hsm);
        if (response.status !== 429) {
          this.#record(classes, now);
          return response;
        }
        this.#armed = true;
        const hinted = response.headers.get("retry-after") ?? response.headers.get("retry-after-ms");
        if (!hinted) {
          const wait = this.estimateWaitMs(classes, now);
          if (wait !== undefined) response.headers.set("retry-after-ms", String(wait));
        }
        return response;
      },
    };
  }
}
