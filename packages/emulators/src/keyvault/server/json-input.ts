import { badParameter } from "./errors.js";

/** Typed reads from a parsed JSON request body; a wrong type is the service's 400 BadParameter. */
export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown, what = "request body"): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badParameter(`The ${what} must be a JSON object.`);
  }
  return value as JsonObject;
}

export function optObject(obj: JsonObject, key: string): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  return asObject(value, `'${key}' property`);
}

export function optString(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badParameter(`The '${key}' property must be a string.`);
  return value;
}

export function reqString(obj: JsonObject, key: string): string {
  const value = optString(obj, key);
  if (value === undefined) throw badParameter(`The '${key}' property is required.`);
  return value;
}

export function optBoolean(obj: JsonObject, key: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badParameter(`The '${key}' property must be a boolean.`);
  return value;
}

export function optInteger(obj: JsonObject, key: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw badParameter(`The '${key}' property must be an integer.`);
  }
  return value;
}

export function optStringArray(obj: JsonObject, key: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw badParameter(`The '${key}' property must be an array of strings.`);
  }
  return value as string[];
}

export function optArray(obj: JsonObject, key: string): unknown[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badParameter(`The '${key}' property must be an array.`);
  return value;
}

const MAX_TAGS = 15;
const MAX_TAG_NAME = 512;
const MAX_TAG_VALUE = 256;

/** Tags as the service limits them: at most 15, names ≤ 512 and values ≤ 256 characters. */
export function optTags(obj: JsonObject, key = "tags"): Record<string, string> | undefined {
  const raw = optObject(obj, key);
  if (raw === undefined) return undefined;
  const entries = Object.entries(raw);
  if (entries.length > MAX_TAGS) throw badParameter(`The number of tags exceeds the limit of ${MAX_TAGS}.`);
  const tags: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (typeof value !== "string") throw badParameter(`The value of tag '${name}' must be a string.`);
    if (name.length > MAX_TAG_NAME) throw badParameter(`Tag name '${name.slice(0, 32)}…' is too long.`);
    if (value.length > MAX_TAG_VALUE) throw badParameter(`The value of tag '${name}' is too long.`);
    tags[name] = value;
  }
  return tags;
}
