import type { ObjectAttributes } from "../items.js";
import { defined, isoDate } from "../vault/json.js";

/** The attribute fields the SDK's property objects share. */
export interface SdkAttributes {
  readonly enabled?: boolean;
  readonly notBefore?: Date;
  readonly expiresOn?: Date;
  readonly createdOn?: Date;
  readonly updatedOn?: Date;
  readonly recoveryLevel?: string;
  readonly recoverableDays?: number;
}

export function attributesOf(p: SdkAttributes): ObjectAttributes {
  return {
    enabled: p.enabled !== false,
    ...defined({
      notBefore: isoDate(p.notBefore),
      expiresOn: isoDate(p.expiresOn),
      createdOn: isoDate(p.createdOn),
      updatedOn: isoDate(p.updatedOn),
      recoveryLevel: p.recoveryLevel,
      recoverableDays: p.recoverableDays,
    }),
  };
}

/**
 * A version history in write order: oldest `createdOn` first, equal times (the service keeps whole
 * seconds) by version id, and the current version — the one `GET /{kind}/{name}` returns — last.
 * Listing order is never used: the service lists versions by id, which says nothing about age.
 */
export function historyOrder<T extends { readonly createdOn?: string; readonly version: string }>(
  versions: readonly T[],
  current?: string,
): T[] {
  const time = (v: T) => (v.createdOn ? Date.parse(v.createdOn) : 0);
  return [...versions].sort((a, b) => {
    if (current !== undefined && (a.version === current) !== (b.version === current))
      return a.version === current ? 1 : -1;
    return time(a) - time(b) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0);
  });
}

/** The version segment of an object id (`…/secrets/<name>/<version>`), if any. */
export function versionOfId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  try {
    const parts = new URL(id).pathname.split("/").filter((s) => s.length > 0);
    return parts.length >= 3 ? parts[2] : undefined;
  } catch {
    return undefined;
  }
}

/** The versionless object id (`<vault>/secrets/<name>`). */
export function objectId(vaultUrl: string, collection: string, name: string): string {
  return `${vaultUrl.replace(/\/$/, "")}/${collection}/${name}`;
}
