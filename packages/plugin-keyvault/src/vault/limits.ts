import type { RateLimitSpec } from "@dataplane/core";

/**
 * Key Vault's per-vault service limits (per region, per 10 seconds). The governor in core keeps
 * each class under its limit and backs off on 429 with or without Retry-After; requests are
 * classified by method and path only.
 */
export const LimitClass = {
  SecretCreate: "secret-create",
  SecretOther: "secret-other",
  KeyCreate: "key-create",
  HsmKeyCreate: "hsm-key-create",
  KeyOther: "key-other",
  CertificateCreate: "certificate-create",
  CertificateOther: "certificate-other",
} as const;

const WINDOW_MS = 10_000;

export const KEY_VAULT_LIMITS: readonly RateLimitSpec[] = [
  { class: LimitClass.SecretCreate, limit: 300, windowMs: WINDOW_MS },
  { class: LimitClass.SecretOther, limit: 4000, windowMs: WINDOW_MS },
  { class: LimitClass.KeyCreate, limit: 20, windowMs: WINDOW_MS },
  { class: LimitClass.HsmKeyCreate, limit: 10, windowMs: WINDOW_MS },
  { class: LimitClass.KeyOther, limit: 4000, windowMs: WINDOW_MS },
  // Creating or importing a certificate creates a key: the software key CREATE limit applies.
  { class: LimitClass.CertificateCreate, limit: 20, windowMs: WINDOW_MS },
  { class: LimitClass.CertificateOther, limit: 4000, windowMs: WINDOW_MS },
];

/**
 * The limit classes of one request. `hsm` says which key CREATE limit applies: the path does not
 * tell an HSM key from a software one, so HSM keys are written through a client of their own.
 */
export function classifyRequest(
  request: { readonly method: string; readonly url: URL },
  hsm = false,
): readonly string[] {
  const segments = request.url.pathname.split("/").filter((s) => s.length > 0);
  const [collection, name, sub, op] = segments;
  const method = request.method.toUpperCase();
  switch (collection) {
    case "secrets":
      if (method === "PUT" && segments.length === 2) return [LimitClass.SecretCreate];
      return [LimitClass.SecretOther];
    case "deletedsecrets":
      return [LimitClass.SecretOther];
    case "keys": {
      const create =
        (method === "PUT" && segments.length === 2 && name !== "restore") ||
        (method === "POST" && segments.length === 3 && (sub === "create" || sub === "rotate"));
      if (create) return [hsm ? LimitClass.HsmKeyCreate : LimitClass.KeyCreate];
      return [LimitClass.KeyOther];
    }
    case "deletedkeys":
      return [LimitClass.KeyOther];
    case "certificates": {
      const create =
        method === "POST" &&
        ((segments.length === 3 && (sub === "create" || sub === "import")) ||
          (segments.length === 4 && sub === "pending" && op === "merge"));
      return [create ? LimitClass.CertificateCreate : LimitClass.CertificateOther];
    }
    case "deletedcertificates":
      return [LimitClass.CertificateOther];
    default:
      return [LimitClass.SecretOther];
  }
}
