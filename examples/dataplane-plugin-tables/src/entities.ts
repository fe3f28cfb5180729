import { createHash } from "node:crypto";
import type { EdmType, TypedValue } from "./items.js";

const EDM_TYPES = new Set<string>([
  "String",
  "Boolean",
  "Int32",
  "Int64",
  "Double",
  "DateTime",
  "Guid",
  "Binary",
]);

/** Keys of an entity read with `disableTypeConversion` that are not user properties. */
const SYSTEM = new Set(["partitionKey", "rowKey", "timestamp", "etag"]);

/** An entity as read from the service: system fields plus every user property with its type. */
export interface TypedEntity {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly timestamp: string | null;
  readonly etag: string;
  readonly values: Readonly<Record<string, TypedValue>>;
}

/** `2026-03-01T10:00:00Z`, `…00.5Z` and `…00.5000000Z` are one instant: compare them with 7 digits. */
function canonicalDateTime(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z$/.exec(text);
  return m ? `${m[1]}.${(m[2] ?? "").padEnd(7, "0")}Z` : text;
}

/**
 * One property as the SDK gives it with `disableTypeConversion: true`, with a JSON value of the
 * type's natural kind (numbers for Int32 and Double, booleans for Boolean). Strings are kept as
 * the service wrote them, so a copy writes back exactly what was read.
 */
export function toTypedValue(raw: unknown): TypedValue | undefined {
  if (raw !== null && typeof raw === "object" && "type" in raw && "value" in raw) {
    const { type, value } = raw as { type: unknown; value: unknown };
    if (typeof type !== "string" || !EDM_TYPES.has(type)) return undefined;
    switch (type as EdmType) {
      case "Boolean":
        return { type: "Boolean", value: value === true || value === "true" };
      case "Int32":
        return { type: "Int32", value: Number(value) };
      case "Double": {
        const n = typeof value === "number" ? value : Number(value);
        return { type: "Double", value: Number.isFinite(n) ? n : String(value) };
      }
      default:
        return { type: type as EdmType, value: String(value) };
    }
  }
  if (typeof raw === "string") return { type: "String", value: raw };
  if (typeof raw === "boolean") return { type: "Boolean", value: raw };
  if (typeof raw === "number") return { type: Number.isSafeInteger(raw) ? "Int32" : "Double", value: raw };
  return undefined;
}

function systemString(raw: unknown): string | null {
  if (typeof raw === "string") return raw;
  if (raw !== null && typeof raw === "object" && "value" in raw)
    return String((raw as { value: unknown }).value);
  return null;
}

/** An entity read with `disableTypeConversion: true`. */
export function toTypedEntity(raw: Record<string, unknown>): TypedEntity {
  const values: Record<string, TypedValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (SYSTEM.has(name) || name.includes("odata.")) continue;
    const typed = toTypedValue(value);
    if (typed) values[name] = typed;
  }
  const timestamp = systemString(raw.timestamp);
  return {
    partitionKey: systemString(raw.partitionKey) ?? "",
    rowKey: systemString(raw.rowKey) ?? "",
    // Canonical, so timestamps of two accounts compare as text.
    timestamp: timestamp === null ? null : canonicalDateTime(timestamp),
    etag: systemString(raw.etag) ?? "",
    values,
  };
}

/** The entity in the form `upsertEntity` writes with the same types. */
export function toSdkEntity(
  entity: TypedEntity,
): { partitionKey: string; rowKey: string } & Record<string, unknown> {
  const out: { partitionKey: string; rowKey: string } & Record<string, unknown> = {
    partitionKey: entity.partitionKey,
    rowKey: entity.rowKey,
  };
  for (const [name, { type, value }] of Object.entries(entity.values)) {
    // Strings, booleans and 32-bit integers need no annotation; the service infers them.
    out[name] = type === "String" || type === "Boolean" || type === "Int32" ? value : { type, value };
  }
  return out;
}

/** The form two values are compared in: one instant, one GUID, however they are written. */
function comparable(value: TypedValue): string | number | boolean {
  if (typeof value.value !== "string") return value.value;
  if (value.type === "DateTime") return canonicalDateTime(value.value);
  if (value.type === "Guid") return value.value.toLowerCase();
  return value.value;
}

/** A short fingerprint of one typed value: compares values without keeping them. */
export function valueDigest(value: TypedValue): string {
  return createHash("sha256")
    .update(`${value.type}:${JSON.stringify(comparable(value))}`)
    .digest("hex")
    .slice(0, 16);
}

/** Names of the properties that differ between two sets of per-property digests. */
export function differingProperties(
  source: Readonly<Record<string, string>>,
  target: Readonly<Record<string, string>>,
): string[] {
  const names = new Set([...Object.keys(source), ...Object.keys(target)]);
  return [...names].filter((n) => source[n] !== target[n]).sort();
}

export function digests(values: Readonly<Record<string, TypedValue>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, v]) => [name, valueDigest(v)]));
}
