import type { SideAccess } from "@dataplane/core";

/** Canaries shorter than this would match ordinary text. */
export const MIN_CANARY_LENGTH = 8;

/** One canary and the forms it may take in output: as is, JSON-escaped, URL-encoded. */
interface Canary {
  readonly label: string;
  readonly forms: readonly string[];
}

/** Where captured text came from ("a debug log line", "generated file main.tf") and the text. */
export interface Captured {
  readonly where: string;
  readonly text: string;
}

function formsOf(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])];
}

/** The secrets a `SideAccess` holds, which the CLI registers with the redactor before any run. */
export function accessSecrets(access: SideAccess): string[] {
  const storage = access.storage;
  if (!storage) return [];
  switch (storage.type) {
    case "sharedKey":
      return [storage.accountKey];
    case "sas": {
      const signature = /(?:^|[?&])sig=([^&]+)/.exec(storage.sasToken)?.[1];
      return signature ? [storage.sasToken, decodeURIComponent(signature)] : [storage.sasToken];
    }
    case "connectionString": {
      const key = /(?:^|;)\s*AccountKey\s*=([^;]+)/i.exec(storage.connectionString)?.[1];
      return key ? [storage.connectionString, key.trim()] : [storage.connectionString];
    }
  }
}

/**
 * Finds canaries in captured output and masks them in what it reports, so a failure message
 * never prints the secret it is about.
 */
export class CanaryScanner {
  readonly #canaries: Canary[];

  constructor(seeded: readonly string[], credentials: readonly string[]) {
    this.#canaries = [
      ...seeded.map((value, i) => ({ label: `[CANARY #${i + 1}]`, forms: formsOf(value) })),
      ...credentials.map((value, i) => ({ label: `[CREDENTIAL #${i + 1}]`, forms: formsOf(value) })),
    ];
  }

  get size(): number {
    return this.#canaries.length;
  }

  /** Every canary label found in `text`. */
  find(text: string): string[] {
    return this.#canaries.filter((c) => c.forms.some((f) => text.includes(f))).map((c) => c.label);
  }

  /** The text with every canary replaced by its label. */
  mask(text: string): string {
    let out = text;
    for (const canary of this.#canaries) {
      for (const form of [...canary.forms].sort((a, b) => b.length - a.length)) {
        out = out.split(form).join(canary.label);
      }
    }
    return out;
  }

  /** One line per capture that holds a canary: which canaries, where, and a masked excerpt. */
  exposures(captured: Iterable<Captured>): string[] {
    const found: string[] = [];
    for (const { where, text } of captured) {
      const labels = this.find(text);
      if (labels.length === 0) continue;
      const masked = this.mask(text);
      const at = masked.indexOf(labels[0]!);
      const excerpt = masked.slice(Math.max(0, at - 60), at + labels[0]!.length + 60).replace(/\s+/g, " ");
      found.push(`${labels.join(", ")} in ${where}: …${excerpt}…`);
    }
    return found;
  }
}
