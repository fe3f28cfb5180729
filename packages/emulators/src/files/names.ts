// Naming rules for shares, directories, files and metadata, as documented for Azure Files.
import { StorageError, storageError } from "./errors.js";

const SHARE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

export function validateShareName(name: string): void {
  if (name.length < 3 || name.length > 63 || !SHARE_NAME.test(name)) {
    throw storageError("InvalidResourceName");
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what the rule forbids
const FORBIDDEN_CHARACTERS = /["\\/:|<>*?\u0000-\u001f]/;
const RESERVED_NAMES = new Set([
  "CON",
  "PRN",
  "AUX",
  "NUL",
  "CLOCK$",
  ...Array.from({ length: 9 }, (_, i) => `COM${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `LPT${i + 1}`),
]);
export const MAX_COMPONENT_LENGTH = 255;
export const MAX_PATH_LENGTH = 2048;
export const MAX_DEPTH = 250;

/**
 * Splits a decoded directory/file path into components and checks each one. Trailing dots are
 * removed, as the service does unless `x-ms-allow-trailing-dot: true`.
 */
export function parseItemPath(path: string, allowTrailingDot: boolean): string[] {
  if (path.length > MAX_PATH_LENGTH) throw storageError("InvalidResourceName");
  const components = path.split("/").filter((c) => c !== "");
  if (components.length > MAX_DEPTH) throw storageError("InvalidResourceName");
  return components.map((raw) => {
    const name = allowTrailingDot ? raw : raw.replace(/\.+$/, "");
    validateItemName(name);
    return name;
  });
}

export function validateItemName(name: string): void {
  if (
    name.length === 0 ||
    name.length > MAX_COMPONENT_LENGTH ||
    name === "." ||
    name === ".." ||
    FORBIDDEN_CHARACTERS.test(name) ||
    RESERVED_NAMES.has(name.toUpperCase())
  ) {
    throw storageError("InvalidResourceName");
  }
}

const METADATA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_METADATA_BYTES = 8 * 1024;

/** Metadata names must be C# identifiers; values ASCII; 8 KiB in total. */
export function validateMetadata(metadata: Record<string, string>): void {
  let size = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (name === "") throw storageError("EmptyMetadataKey");
    if (!METADATA_NAME.test(name)) {
      throw new StorageError("InvalidMetadata", { details: { MetadataName: name } });
    }
    if (/[^\u0020-\u007e\t]/.test(value)) {
      throw new StorageError("InvalidMetadata", { details: { MetadataName: name } });
    }
    size += name.length + value.length;
  }
  if (size > MAX_METADATA_BYTES) throw storageError("MetadataTooLarge");
}

/** Case-insensitive identity of a directory entry (Azure Files is case-preserving, case-insensitive). */
export function foldName(name: string): string {
  return name.toUpperCase();
}
