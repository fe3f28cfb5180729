// SMB properties over REST: file attributes, the four timestamps, and permissions (security descriptors).
import { createHash } from "node:crypto";
import { headerError } from "./errors.js";

const ATTRIBUTE_ORDER = [
  "ReadOnly",
  "Hidden",
  "System",
  "None",
  "Directory",
  "Archive",
  "Temporary",
  "Offline",
  "NotContentIndexed",
  "NoScrubData",
] as const;
const CANONICAL_ATTRIBUTE = new Map(ATTRIBUTE_ORDER.map((a) => [a.toLowerCase(), a]));

/** Parses `ReadOnly|Archive` (any case, spaces allowed) into the canonical order the service reports. */
export function parseAttributes(value: string, kind: "file" | "directory"): string[] {
  const parsed = new Set<string>();
  for (const raw of value.split("|")) {
    const canonical = CANONICAL_ATTRIBUTE.get(raw.trim().toLowerCase());
    if (!canonical) throw headerError("InvalidHeaderValue", "x-ms-file-attributes", value);
    if (canonical === "Directory" && kind === "file") {
      throw headerError("InvalidHeaderValue", "x-ms-file-attributes", value);
    }
    parsed.add(canonical);
  }
  if (parsed.size > 1) parsed.delete("None");
  if (kind === "directory") {
    parsed.delete("None");
    parsed.add("Directory");
  }
  return ATTRIBUTE_ORDER.filter((a) => parsed.has(a));
}

export function formatAttributes(attributes: readonly string[]): string {
  return attributes.length === 0 ? "None" : attributes.join(" | ");
}

export const DEFAULT_FILE_ATTRIBUTES: readonly string[] = ["Archive"];
export const DEFAULT_DIRECTORY_ATTRIBUTES: readonly string[] = ["Directory"];

/** Seven fractional digits, as the service writes SMB times: `2026-01-02T03:04:05.1234560Z`. */
export function formatSmbTime(date: Date): string {
  return `${date.toISOString().slice(0, -1)}0000Z`;
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z$/;

/** Normalises an ISO 8601 UTC time to seven fractional digits, keeping sub-millisecond precision. */
export function parseSmbTime(value: string, header: string): string {
  const match = ISO_TIME.exec(value.trim());
  if (!match || Number.isNaN(Date.parse(`${match[1]}Z`)))
    throw headerError("InvalidHeaderValue", header, value);
  return `${match[1]}.${(match[2] ?? "").padEnd(7, "0")}Z`;
}

/**
 * Resolves an SMB time header: absent → `fallback`; `now` → now; `preserve` → `current` (set
 * operations only); otherwise an ISO time.
 */
export function resolveSmbTime(
  value: string | undefined,
  header: string,
  options: { now: string; fallback: string; current?: string },
): string {
  if (value === undefined) return options.fallback;
  const lower = value.trim().toLowerCase();
  if (lower === "now") return options.now;
  if (lower === "preserve") {
    if (options.current === undefined) throw headerError("InvalidHeaderValue", header, value);
    return options.current;
  }
  return parseSmbTime(value, header);
}

/** Security descriptors in SDDL, keyed the way the service keys them: two 64-bit numbers. */
export class PermissionStore {
  private readonly byKey = new Map<string, string>();
  readonly defaultKey: string;

  constructor() {
    this.defaultKey = this.put(DEFAULT_SDDL);
  }

  put(sddl: string): string {
    const digest = createHash("sha256").update(sddl).digest();
    const key = `${digest.readBigUInt64BE(0)}*${digest.readBigUInt64BE(8)}`;
    this.byKey.set(key, sddl);
    return key;
  }

  get(key: string): string | undefined {
    return this.byKey.get(key);
  }
}

/** What a share's root starts with: owner/group Administrators, full control for admins, system and users. */
export const DEFAULT_SDDL =
  "O:BAG:SYD:(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;AU)(A;OICI;0x1200a9;;;BU)";

const SDDL = /^(O:[^:]+?)?(G:[^:]+?)?(D:[A-Z]*(\([^()]*\))*)?(S:[A-Z]*(\([^()]*\))*)?$/;

export function isValidSddl(sddl: string): boolean {
  return sddl.length > 0 && SDDL.test(sddl);
}

export const MAX_PERMISSION_HEADER_BYTES = 8 * 1024;
