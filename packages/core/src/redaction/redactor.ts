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
  // JSON fields that only ever carry credentials (values of items are registered, not guessed)
  [
    /("(?:accountKey|account_key|sasToken|connectionString|access_token|refresh_token|password|clientSecret|client_secret)"\s*:\s*")(?:[^"\\]|\\.)*(")/gi,
    `$1${REDACTED}$2`,
  ],
];

/** A cheap first look: text without any of these cannot match a pattern above. */
const MAY_CONTAIN_SECRET_SHAPE =
  /sig(?:=|%3D)|AccountKey|SharedAccess|Password|Pwd|Bearer|SharedKey|"(?:accountKey|account_key|sasToken|connectionString|access_token|refresh_token|password|clientSecret|client_secret)"/i;

/** Values shorter than this are not matched literally (they would mask ordinary words). */
const MIN_SECRET_LENGTH = 4;

/**
 * The run's single redactor. Plugins register every secret value they read; the CLI
 * registers keys and tokens from the configuration. Every log line, error, event, report
 * and journal line goes through `redact`.
 */
export class SecretRedactor implements Redactor {
  /**
   * Registered secrets by their first characters, then by length: adding is O(1), and each
   * position of a text costs one lookup per distinct length — not one per secret.
   */
  readonly #byPrefix = new Map<string, { lengths: number[]; byLength: Map<number, Set<string>> }>();
  #count = 0;

  addSecret(value: string): void {
    if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
    const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
    for (const form of forms) {
      if (form.length < MIN_SECRET_LENGTH) continue;
      const prefix = form.slice(0, MIN_SECRET_LENGTH);
      let bucket = this.#byPrefix.get(prefix);
      if (!bucket) {
        bucket = { lengths: [], byLength: new Map() };
        this.#byPrefix.set(prefix, bucket);
      }
      let set = bucket.byLength.get(form.length);
      if (!set) {
        set = new Set();
        bucket.byLength.set(form.length, set);
        // longest first, so a secret that contains another is masked whole
        bucket.lengths.push(form.length);
        bucket.lengths.sort((a, b) => b - a);
      }
      if (!set.has(form)) {
        set.add(form);
        this.#count++;
      }
    }
  }

  get size(): number {
    return this.#count;
  }

  #maskRegistered(text: string): string {
    if (this.#count === 0 || text.length < MIN_SECRET_LENGTH) return text;
    let out = "";
    let copiedUpTo = 0;
    for (let i = 0; i <= text.length - MIN_SECRET_LENGTH; ) {
      const bucket = this.#byPrefix.get(text.slice(i, i + MIN_SECRET_LENGTH));
      let matched = 0;
      if (bucket) {
        for (const length of bucket.lengths) {
          if (i + length <= text.length && bucket.byLength.get(length)!.has(text.slice(i, i + length))) {
            matched = length;
            break;
          }
        }
      }
      if (matched > 0) {
        out += text.slice(copiedUpTo, i) + REDACTED;
        i += matched;
        copiedUpTo = i;
      } else {
        i++;
      }
    }
    return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
  }

  /**
   * True when the text holds a registered secret value (as registered, JSON-escaped or
   * URL-encoded). Only registered values count: the patterns of `redact` are not consulted, so
   * code that merely names a password (`password = var.x`) is not taken for one.
   */
  holdsRegistered(text: string): boolean {
    return this.#maskRegistered(text) !== text;
  }

  redact(text: string): string {
    let out = this.#maskRegistered(text);
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
