/** Helpers that turn SDK values into JSON values (dates as ISO strings, no undefined). */

export function isoDate(date: Date | undefined): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

export function dateOf(iso: string | undefined): Date | undefined {
  if (iso === undefined) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Copies only the defined fields: `{a: 1, b: undefined}` → `{a: 1}`. */
export function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}

export function tagsOf(tags: Readonly<Record<string, string>> | undefined): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const k of Object.keys(tags ?? {}).sort()) out[k] = tags![k]!;
  return out;
}

/** A JSON serialisation with sorted object keys: equal values give equal text. */
export function stableJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}

export function bytesToHex(bytes: Uint8Array | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString("hex") : undefined;
}
