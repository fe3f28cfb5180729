/**
 * The one metadata entry dataplane writes on the blobs and files it copies: the source's
 * last-modified time at the copy. It marks the target as ours (a later difference is an
 * `update`, not a `conflict`) and, for blobs without Content-MD5, tells an unchanged source.
 */
export const PROVENANCE_KEY = "dataplane_source_modified";

const LOWER_KEY = PROVENANCE_KEY.toLowerCase();

export function isProvenanceKey(key: string): boolean {
  return key.toLowerCase() === LOWER_KEY;
}

/** The provenance value recorded in target metadata, if any (metadata keys are case-insensitive). */
export function provenanceOf(metadata: Record<string, string> | undefined): string | undefined {
  if (!metadata) return undefined;
  const direct = metadata[PROVENANCE_KEY];
  if (direct !== undefined) return direct;
  for (const [k, v] of Object.entries(metadata)) if (isProvenanceKey(k)) return v;
  return undefined;
}

/** The source's metadata plus our provenance entry (replacing any copied from an earlier replica). */
export function withProvenance(
  metadata: Record<string, string>,
  sourceModified: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (!isProvenanceKey(k)) out[k] = v;
  out[PROVENANCE_KEY] = sourceModified;
  return out;
}

/** Metadata compared case-insensitively by key, ignoring our provenance entry. */
export function sameMetadata(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  return canonicalMetadata(a) === canonicalMetadata(b);
}

export function canonicalMetadata(metadata: Record<string, string> | undefined): string {
  if (!metadata) return "";
  const entries: string[] = [];
  for (const [k, v] of Object.entries(metadata))
    if (!isProvenanceKey(k)) entries.push(`${k.toLowerCase()}\u0000${v}`);
  return entries.sort().join("\u0001");
}
