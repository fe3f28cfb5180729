import { attributesOf, type SdkAttributes } from "../discover/attributes.js";
import type { KeyVaultItemKind, ObjectAttributes, Tags } from "../items.js";
import { bytesToHex, defined, tagsOf } from "../vault/json.js";

/** One name in the target vault: a live object, or a soft-deleted one that blocks the name. */
export interface TargetEntry {
  readonly kind: KeyVaultItemKind;
  readonly key: string;
  readonly name: string;
  readonly deleted: boolean;
  /** Soft-deleted and purgeable (no purge protection). */
  readonly purgeable: boolean;
  /** Backs a certificate in the target (secrets and keys). */
  readonly managed: boolean;
  readonly attributes?: ObjectAttributes & { contentType?: string; tags: Tags };
  /** Certificates: SHA-1 thumbprint of the current version, hex. */
  readonly thumbprint?: string;
}

export function liveEntry(
  kind: KeyVaultItemKind,
  key: string,
  name: string,
  p: SdkAttributes & {
    readonly contentType?: string;
    readonly tags?: Record<string, string>;
    readonly managed?: boolean;
    readonly x509Thumbprint?: Uint8Array;
    readonly x509ThumbprintString?: string;
  },
): TargetEntry {
  const thumbprint = (p.x509ThumbprintString ?? bytesToHex(p.x509Thumbprint))?.toLowerCase();
  return {
    kind,
    key,
    name,
    deleted: false,
    purgeable: false,
    managed: p.managed === true,
    attributes: { ...attributesOf(p), ...defined({ contentType: p.contentType }), tags: tagsOf(p.tags) },
    ...(thumbprint ? { thumbprint } : {}),
  };
}

export function deletedEntry(
  kind: KeyVaultItemKind,
  key: string,
  name: string,
  recoveryLevel: string | undefined,
): TargetEntry {
  return {
    kind,
    key,
    name,
    deleted: true,
    // "Recoverable+Purgeable" allows a purge; "Recoverable" (purge protection) does not.
    purgeable: recoveryLevel === undefined || /purgeable/i.test(recoveryLevel),
    managed: false,
  };
}

/** Yields live entries, then deleted ones whose names are not live. */
export async function* liveThenDeleted(
  live: AsyncIterable<TargetEntry>,
  deleted: AsyncIterable<TargetEntry>,
): AsyncIterable<TargetEntry> {
  const seen = new Set<string>();
  for await (const e of live) {
    seen.add(e.key.toLowerCase());
    yield e;
  }
  for await (const e of deleted) if (!seen.has(e.key.toLowerCase())) yield e;
}
