import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { SecretClient } from "@azure/keyvault-secrets";
import { expect } from "vitest";
import type { KeyVaultEmulator } from "../../src/keyvault/index.js";

type TokenCredential = ConstructorParameters<typeof SecretClient>[1];

/** Any bearer token is accepted by the emulator. */
export const credential: TokenCredential = {
  getToken: async () => ({ token: "emulator", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** The options every Key Vault client needs against the emulator. */
export function clientOptions(emulator: KeyVaultEmulator) {
  return {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emulator.caCertificatePem },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface RawOptions {
  body?: string | object;
  /** Send `Authorization: Bearer …` (default true). */
  auth?: boolean;
  headers?: Record<string, string>;
}

/** A plain HTTP(S) request to a vault, trusting the emulator's CA. */
export function raw(
  emulator: KeyVaultEmulator,
  vault: string,
  method: string,
  path: string,
  options: RawOptions = {},
): Promise<RawResponse> {
  const url = new URL(path.replace(/^\//, ""), emulator.vaultUri(vault));
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== false) headers.authorization = "Bearer emulator";
  if (body !== undefined) {
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, ca: emulator.caCertificatePem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `{ error: { code, message, innererror? } }` of a raw response. */
export function errorOf(response: RawResponse): {
  code?: string;
  message?: string;
  innererror?: { code?: string };
} {
  return ((response.json as { error?: object } | undefined)?.error ?? {}) as {
    code?: string;
    message?: string;
    innererror?: { code?: string };
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

interface SdkError {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
}

/** Awaits a call that must fail with the service error `status`/`code` (and inner code). */
export async function expectKeyVaultError(
  call: Promise<unknown>,
  status: number,
  code: string,
  innerCode?: string,
): Promise<SdkError> {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as SdkError | undefined;
  expect(error, `expected a ${status} ${code}`).toBeDefined();
  expect(error?.statusCode).toBe(status);
  expect(error?.details?.error?.code ?? error?.code).toBe(code);
  if (innerCode !== undefined) expect(error?.details?.error?.innerError?.code).toBe(innerCode);
  return error as SdkError;
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
