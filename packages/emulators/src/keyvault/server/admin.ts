import type { IncomingMessage, ServerResponse } from "node:http";
import { validateFaults } from "../faults.js";
import { seedSecrets } from "../seeding.js";
import type { VaultState } from "../state/vault.js";
import { copyStats, emptyStats } from "../stats.js";
import { validateThrottling } from "../throttling.js";
import { KeyVaultError } from "./errors.js";
import { readBody, sendJson } from "./http-io.js";

/**
 * `/_emulator/…` on each vault's listener: observe and control an emulator that runs in
 * another process. No authentication; never counted in stats or throttled.
 *
 * GET  /_emulator/vault          the vault's name, URI, subscription, location
 * GET  /_emulator/stats          this vault's VaultStats
 * POST /_emulator/stats/reset    zero them (204)
 * GET  /_emulator/throttling     the effective throttling (enabled, retryAfter, windowMs, limits)
 * PUT  /_emulator/throttling     body: KeyVaultThrottling or false (for this vault)
 * PUT  /_emulator/faults         body: KeyVaultFaults or false (injected connection resets and error answers, this vault)
 * POST /_emulator/secrets        body: {"secrets":[{name, value, contentType?, tags?, enabled?, nbf?, exp?}]}
 */
export async function handleAdmin(
  vault: VaultState,
  method: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const route = `${method} ${path.replace(/\/$/, "")}`;
    switch (route) {
      case "GET /vault":
        return sendJson(res, vault, 200, vault.info, req);
      case "GET /stats":
        return sendJson(res, vault, 200, copyStats(vault.stats), req);
      case "POST /stats/reset":
        vault.stats = emptyStats(vault.settings.name);
        return sendJson(res, vault, 204, undefined, req);
      case "GET /throttling":
        return sendJson(res, vault, 200, vault.throttle.describe(), req);
      case "PUT /throttling": {
        const body = await readJson(req);
        let settings: ReturnType<typeof validateThrottling>;
        try {
          settings = validateThrottling(body);
        } catch (error) {
          throw new KeyVaultError(400, "BadParameter", (error as Error).message);
        }
        vault.throttle.configure(settings);
        return sendJson(res, vault, 200, vault.throttle.describe(), req);
      }
      case "PUT /faults": {
        const body = await readJson(req);
        try {
          vault.faults = validateFaults(body);
        } catch (error) {
          throw new KeyVaultError(400, "BadParameter", (error as Error).message);
        }
        return sendJson(res, vault, 200, { faults: vault.faults }, req);
      }
      case "POST /secrets": {
        const body = (await readJson(req)) as { secrets?: unknown };
        if (!Array.isArray(body?.secrets)) {
          throw new KeyVaultError(400, "BadParameter", 'The body must be {"secrets": [...]}.');
        }
        const seeded = seedSecrets(vault, body.secrets);
        return sendJson(res, vault, 200, { seeded: seeded.length, secrets: seeded }, req);
      }
      default:
        throw new KeyVaultError(404, "NotFound", `No emulator endpoint ${method} /_emulator${path}.`);
    }
  } catch (error) {
    const kvError =
      error instanceof KeyVaultError ? error : new KeyVaultError(500, "InternalServerError", String(error));
    sendJson(res, vault, kvError.status, kvError.toBody(), req);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new KeyVaultError(400, "BadParameter", "The request body is not valid JSON.");
  }
}
