import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { VaultState } from "../state/vault.js";
import { KeyVaultError } from "./errors.js";

/** Reading request bodies and writing JSON responses with the service's headers. */

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const SERVICE_VERSION = "dataplane-emulator";

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new KeyVaultError(
        413,
        "RequestEntityTooLarge",
        `The request body exceeds ${MAX_BODY_BYTES} bytes.`,
      );
    }
    chunks.push(buffer);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  vault: VaultState,
  status: number,
  body: unknown,
  req: IncomingMessage,
  extra?: Record<string, string>,
): void {
  const headers: Record<string, string> = {
    "cache-control": "no-cache",
    "x-ms-keyvault-region": vault.settings.location,
    "x-ms-keyvault-service-version": SERVICE_VERSION,
    "x-ms-request-id": randomUUID(),
    "x-content-type-options": "nosniff",
    ...extra,
  };
  const clientRequestId = req.headers["x-ms-client-request-id"];
  if (typeof clientRequestId === "string") headers["x-ms-client-request-id"] = clientRequestId;
  if (body === undefined || status === 204) {
    headers["content-length"] = "0";
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  headers["content-type"] = "application/json; charset=utf-8";
  headers["content-length"] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}
