import { DataplaneError, ErrorCodes, type OptionValues, type PluginOptionSpec } from "@dataplane/core";

/** The flags this plugin adds to the CLI (`--<name>`). */
export const OPTION_SPECS: readonly PluginOptionSpec[] = [
  {
    name: "services",
    description: "which storage services to process",
    type: "string",
    choices: ["all", "blob", "file"],
    default: "all",
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "containers",
    description: "only these blob containers: comma-separated names, `*` as a wildcard (e.g. logs-*,images)",
    type: "string",
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "shares",
    description: "only these file shares: comma-separated names, `*` as a wildcard",
    type: "string",
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "prefix",
    description: "only blobs and files whose path starts with this (e.g. 2026/03/)",
    type: "string",
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "blob-tags",
    description: "read and copy blob index tags (copy needs Storage Blob Data Owner on both sides)",
    type: "string",
    choices: ["copy", "skip"],
    default: "copy",
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "count-snapshots",
    description: "count each blob's snapshots and versions while discovering",
    type: "boolean",
    verbs: ["discover", "generate"],
  },
  {
    name: "include-blobs",
    description:
      "also generate one azurerm_storage_blob per blob (source_uri from a SAS URL variable); not with --mode template, which generates the structure only",
    type: "boolean",
    verbs: ["generate"],
  },
  {
    name: "verify",
    description: "after copying, compare both sides (count, size, MD5 where present) and report differences",
    type: "boolean",
    verbs: ["replicate"],
  },
  {
    name: "chunked-copy-above-mib",
    description:
      "blobs and files larger than this are copied in blocks / ranges rather than in one request (0 to 256; default 256)",
    type: "number",
    default: 256,
    verbs: ["replicate"],
  },
  {
    name: "block-size-mib",
    description: "block size for server-side block copies of blobs over 256 MiB",
    type: "number",
    default: 8,
    verbs: ["replicate"],
  },
];

export type ServicesChoice = "all" | "blob" | "file";

/** The options, parsed once per call. */
export interface StorageSettings {
  readonly blobs: boolean;
  readonly files: boolean;
  readonly containerFilter: NameFilter;
  readonly shareFilter: NameFilter;
  readonly prefix: string;
  readonly tags: boolean;
  readonly countSnapshots: boolean;
  readonly includeBlobs: boolean;
  readonly verify: boolean;
  readonly blockSizeBytes: number;
  /** Blobs and files up to this size are copied in one request; larger ones by blocks / ranges. */
  readonly singleCopyMaxBytes: number;
}

export type NameFilter = (name: string) => boolean;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/** `a,b,logs-*` → a predicate; empty or absent → everything. */
export function nameFilter(spec: string | undefined): NameFilter {
  const parts = (spec ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) return () => true;
  const exact = new Set(parts.filter((p) => !p.includes("*")));
  const globs = parts.filter((p) => p.includes("*")).map(globToRegExp);
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}

function str(options: OptionValues, name: string): string | undefined {
  const v = options[name];
  return typeof v === "string" ? v : undefined;
}

const MiB = 1024 * 1024;

export function readSettings(options: OptionValues): StorageSettings {
  const services = (str(options, "services") ?? "all") as ServicesChoice;
  const blockMiB = options["block-size-mib"] === undefined ? 8 : Number(options["block-size-mib"]);
  if (!Number.isFinite(blockMiB) || blockMiB < 1 || blockMiB > 4000) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `--block-size-mib must be between 1 and 4000, got ${String(options["block-size-mib"])}`,
      { hint: "e.g. --block-size-mib 8" },
    );
  }
  const chunkedAbove =
    options["chunked-copy-above-mib"] === undefined ? 256 : Number(options["chunked-copy-above-mib"]);
  if (!Number.isFinite(chunkedAbove) || chunkedAbove < 0 || chunkedAbove > 256) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `--chunked-copy-above-mib must be between 0 and 256, got ${String(options["chunked-copy-above-mib"])}`,
      { hint: "256 (the default) copies blobs and files up to 256 MiB in one request" },
    );
  }
  return {
    blobs: services !== "file",
    files: services !== "blob",
    containerFilter: nameFilter(str(options, "containers")),
    shareFilter: nameFilter(str(options, "shares")),
    prefix: str(options, "prefix") ?? "",
    tags: (str(options, "blob-tags") ?? "copy") === "copy",
    countSnapshots: options["count-snapshots"] === true,
    includeBlobs: options["include-blobs"] === true,
    verify: options.verify === true,
    blockSizeBytes: Math.round(blockMiB * MiB),
    singleCopyMaxBytes: Math.round(chunkedAbove * MiB),
  };
}
