import type { ConformanceCheckName } from "./options.js";

/** A plugin failed a conformance check; the message says what was seen and what to fix. */
export class ConformanceFailure extends Error {
  override readonly name = "ConformanceFailure";

  constructor(
    readonly check: ConformanceCheckName,
    /** The message without the check's name. */
    readonly detail: string,
  ) {
    super(`[${check}] ${detail}`);
  }
}

/** Works across copies of this package (no `instanceof`). */
export function isConformanceFailure(error: unknown): error is ConformanceFailure {
  return (
    error instanceof Error &&
    error.name === "ConformanceFailure" &&
    typeof (error as { check?: unknown }).check === "string"
  );
}

/** Lists at most `max` entries, saying how many more there were. */
export function listSome(entries: readonly string[], max = 5): string {
  const shown = entries.slice(0, max).join("; ");
  return entries.length > max ? `${shown}; … and ${entries.length - max} more` : shown;
}
