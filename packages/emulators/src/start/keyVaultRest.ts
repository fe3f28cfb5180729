// Minimal Key Vault REST calls over HTTPS, trusting the emulator's CA, for seeding keys and
// certificates without a dependency on the @azure/keyvault-* clients.
import { request } from "node:https";

const API_VERSION = "2025-07-01";

export interface VaultEndpoint {
  /** `https://127.0.0.1:PORT/` */
  vaultUri: string;
  /** PEM of the CA to trust (the emulator's). */
  ca?: string;
}

export async function postJson(vault: VaultEndpoint, path: string, body: unknown): Promise<unknown> {
  const url = new URL(`${path}?api-version=${API_VERSION}`, vault.vaultUri);
  const payload = Buffer.from(JSON.stringify(body));
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        ca: vault.ca,
        headers: {
          authorization: "Bearer emulator",
          "content-type": "application/json",
          "content-length": payload.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
  if (status < 200 || status >= 300) throw new Error(`POST ${url.pathname} answered ${status}: ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}

export async function createRsaKey(
  vault: VaultEndpoint,
  name: string,
  tags: Record<string, string>,
): Promise<void> {
  await postJson(vault, `keys/${encodeURIComponent(name)}/create`, {
    kty: "RSA",
    key_size: 2048,
    key_ops: ["sign", "verify", "wrapKey", "unwrapKey"],
    tags,
  });
}

export async function createSelfSignedCertificate(
  vault: VaultEndpoint,
  name: string,
  subject: string,
  tags: Record<string, string>,
): Promise<void> {
  await postJson(vault, `certificates/${encodeURIComponent(name)}/create`, {
    policy: {
      key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false },
      secret_props: { contentType: "application/x-pkcs12" },
      x509_props: {
        subject,
        validity_months: 12,
        key_usage: ["digitalSignature", "keyEncipherment"],
        ekus: [],
      },
      issuer: { name: "Self" },
    },
    tags,
  });
}
