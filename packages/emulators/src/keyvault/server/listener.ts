import type { IncomingMessage, ServerResponse } from "node:http";
import { drawFault, matchFailure } from "../faults.js";
import type { VaultState } from "../state/vault.js";
import { operationStats } from "../stats.js";
import { handleAdmin } from "./admin.js";
import { requireApiVersion } from "./api-version.js";
import type { RequestContext } from "./context.js";
import { KeyVaultError } from "./errors.js";
import { readBody, sendJson } from "./http-io.js";
import { matchRoute } from "./routes.js";

/**
 * The request pipeline of one vault's listener:
 * admin endpoints → bearer challenge → api-version → route → body → throttle → handler.
 */

export interface ListenerOptions {
  challengeResource: string;
}

function splitPath(path: string): string[] {
  const raw = path.split("/");
  raw.shift();
  try {
    const segments = raw.map((segment) => decodeURIComponent(segment));
    if (segments[0] !== undefined) segments[0] = segments[0].toLowerCase();
    return segments;
  } catch {
    throw new KeyVaultError(400, "BadParameter", "The request URI is not valid.");
  }
}

function isBearer(header: string | undefined): boolean {
  return header !== undefined && /^bearer\s+\S/i.test(header);
}

export function createRequestHandler(vault: VaultState, options: ListenerOptions) {
  const challenge = () =>
    `Bearer authorization="https://login.microsoftonline.com/${vault.settings.tenantId}", resource="${options.challengeResource}"`;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const queryAt = url.indexOf("?");
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? "" : url.slice(queryAt + 1));
    const method = (req.method ?? "GET").toUpperCase();

    if (path === "/_emulator" || path.startsWith("/_emulator/")) {
      await handleAdmin(vault, method, path.slice("/_emulator".length), req, res);
      return;
    }

    // The service answers an unauthenticated request with the challenge and ignores its body
    // (the SDK sends the first request of a challenge flow without one).
    if (!isBearer(req.headers.authorization)) {
      vault.stats.challenges++;
      sendJson(
        res,
        vault,
        401,
        { error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } },
        req,
        { "www-authenticate": challenge() },
      );
      return;
    }

    const stats = vault.stats;
    const fault = drawFault(vault.faults);
    if (fault === "before") {
      stats.resets++;
      req.socket.destroy();
      return;
    }
    stats.requests++;
    const injected = matchFailure(vault.faults, method, path);
    if (injected) {
      stats.failed++;
      sendJson(res, vault, injected.status, injected.body, req);
      return;
    }
    let operation: ReturnType<typeof operationStats> | undefined;
    try {
      const segments = splitPath(path);
      const apiVersion = requireApiVersion(query);
      const route = matchRoute(method, segments);
      operation = operationStats(stats, route.operation);
      operation.requests++;
      const raw = await readBody(req);
      let body: unknown;
      if (route.body) {
        if (raw.length === 0) throw new KeyVaultError(400, "BadParameter", "The request body is required.");
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          throw new KeyVaultError(400, "BadParameter", "The request body is not valid JSON.");
        }
      }
      const ctx: RequestContext = { vault, method, segments, query, apiVersion, body };
      const throttleClass = typeof route.throttle === "function" ? route.throttle(ctx) : route.throttle;
      const admission = vault.throttle.admit(throttleClass);
      if (!admission.admitted) {
        stats.throttled++;
        operation.throttled++;
        const settings = vault.throttle.settings;
        const retryAfter = settings !== false && settings.retryAfter;
        sendJson(
          res,
          vault,
          429,
          {
            error: {
              code: "Throttled",
              message:
                "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
            },
          },
          req,
          retryAfter ? { "retry-after": String(admission.retryAfterSeconds) } : undefined,
        );
        return;
      }
      const result = await route.handle(ctx);
      operation.succeeded++;
      if (fault === "after") {
        stats.resets++;
        req.socket.destroy();
        return;
      }
      sendJson(res, vault, result.status, result.body, req, result.headers);
    } catch (error) {
      stats.failed++;
      if (operation) operation.failed++;
      if (error instanceof KeyVaultError) {
        sendJson(res, vault, error.status, error.toBody(), req, error.headers);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        sendJson(res, vault, 500, { error: { code: "InternalServerError", message } }, req);
      }
    }
  };
}
