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

/** Oldest first; listing order breaks ties (the service's timestamps are whole seconds). */
export function oldestFirst<T extends { readonly createdOn?: string }>(versions: readonly T[]): T[] {
  return versions
    .map((v, i) => ({ v, i }))
    .sort((a, b) => {
      const ta = a.v.createdOn ? Date.parse(a.v.createdOn) : 0;
      const tb = b.v.createdOn ? Date.parse(b.v.createdOn) : 0;
      return ta - tb || a.i - b.i;
    })
    .map(({ v }) => v);
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
