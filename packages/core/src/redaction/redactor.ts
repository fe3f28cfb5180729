import type { Redactor } from "../contract/context.js";

export const REDACTED = "[REDACTED]";

/** Shapes that are secret wherever they appear, whether or not anyone registered them. */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // SAS signature (query string or URL-encoded)
  [/([?&](?:amp;)?sig=)[^&\s"'<>]+/gi, `$1${REDACTED}`],
  [/(sig%3D)[^&%\s"'<>]+(?:%[0-9A-F]{2}[^&%\s"'<>]*)*/gi, `$1${REDACTED}`],
  // Connection string parts
  [/((?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)\s*=\s*)[^;"'\s]+/gi, `$1${REDACTED}`],
  // Authorization headers and bearer tokens
  [/(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*/g, `$1${REDACTED}`],
  [/(\bSharedKey(?:Lite)?\s+[^:\s]+:)[A-Za-z0-9+/=]+/g, `$1${REDACTED}`],
  // JSON fields that carry secrets
  [
    /("(?:accountKey|account_key|sasToken|sas|connectionString|token|access_token|password|value|secret|clientSecret)"\s*:\s*")(?:[^"\\]|\\.)*(")/gi,
    `$1${REDACTED}$2`,
  ],
];

/** A cheap first look: text without any of these cannot match a pattern above. */
const MAY_CONTAIN_SECRET_SHAPE =
  /sig(?:=|%3D)|AccountKey|SharedAccess|Password|Pwd|Bearer|SharedKey|"(?:accountKey|account_key|sasToken|sas|connectionString|token|access_token|password|value|secret|clientSecret)"/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Values shorter than this are not matched literally (they would mask ordinary words). */
const MIN_SECRET_LENGTH = 4;

/**
 * The run's single redactor. Plugins register every secret value they read; the CLI
 * registers keys and tokens from the configuration. Every log line, error, event, report
 * and journal line goes through `redact`.
 */
export class SecretRedactor implements Redactor {
  readonly #secrets = new Set<string>();
  #matcher: RegExp | undefined;
  #dirty = false;

  addSecret(value: string): void {
    if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
    const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
    for (const form of forms) {
      if (form.length >= MIN_SECRET_LENGTH && !this.#secrets.has(form)) {
        this.#secrets.add(form);
        this.#dirty = true;
      }
    }
  }

  get size(): number {
    return this.#secrets.size;
  }

  redact(text: string): string {
    let out = text;
    if (this.#secrets.size > 0) {
      if (this.#dirty || !this.#matcher) {
        const alternatives = [...this.#secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
        this.#matcher = new RegExp(alternatives.join("|"), "g");
        this.#dirty = false;
      }
      out = out.replace(this.#matcher, REDACTED);
    }
    if (MAY_CONTAIN_SECRET_SHAPE.test(out)) {
      for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
    }
    return out;
  }
}

/** Redacts every string inside a JSON value (reports, events) with any redactor. */
export function redactJson<T>(redactor: Redactor, value: T): T {
  return JSON.parse(redactor.redact(JSON.stringify(value))) as T;
}
