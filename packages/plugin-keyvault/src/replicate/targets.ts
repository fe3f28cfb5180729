import type { StepContext } from "@dataplane/core";
import { attributesOf, type SdkAttributes } from "../discover/attributes.js";
import { listSecretVersions } from "../discover/secrets.js";
import type { KeyVaultItem, KeyVaultItemKind, ObjectAttributes, Tags } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import { isDisabledSecret, isNotFound } from "../vault/errors.js";
import { bytesToHex, defined, tagsOf } from "../vault/json.js";
import type { ReplicationRun } from "./run.js";

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

/**
 * The target's current counterpart of one item, read afresh (the engine asks before planning an
 * item again after a failed attempt: a write may have landed although its answer was lost).
 */
export async function readTargetEntry(
  run: ReplicationRun,
  item: KeyVaultItem,
  ctx: StepContext,
): Promise<TargetEntry | undefined> {
  const { dst } = run;
  const abort = abortOptions(ctx.signal);
  try {
    switch (item.kind) {
      case "secret": {
        const secret = await dst.secrets.getSecret(item.name, abort);
        ctx.redactor.addSecret(secret.value ?? "");
        return liveEntry("secret", item.key, item.name, secret.properties);
      }
      case "key":
        return liveEntry("key", item.key, item.name, (await dst.keys.getKey(item.name, abort)).properties);
      case "certificate":
        return liveEntry(
          "certificate",
          item.key,
          item.name,
          (await dst.certificates.getCertificate(item.name, abort)).properties,
        );
      case "certificate-issuer":
        await dst.certificates.getIssuer(item.name, abort);
        return liveEntry("certificate-issuer", item.key, item.name, {});
      case "certificate-contacts":
        return undefined; // planned from the contacts themselves
    }
  } catch (error) {
    if (isDisabledSecret(error)) {
      // A disabled current version cannot be read: it is disabled (the answer says so); its other
      // attributes are the newest version's in the listing (which one is current cannot be asked).
      const newest = (await listSecretVersions(dst, item.name, ctx.signal)).at(-1);
      const { version: _version, ...listed } = newest ?? { version: "", enabled: false, tags: {} };
      const attributes = { ...listed, enabled: false };
      return {
        kind: "secret",
        key: item.key,
        name: item.name,
        deleted: false,
        purgeable: false,
        managed: false,
        attributes,
      };
    }
    if (!isNotFound(error)) throw error;
  }
  if (item.kind === "certificate-issuer") return undefined;
  try {
    switch (item.kind) {
      case "secret":
        return deletedEntry(
          "secret",
          item.key,
          item.name,
          (await dst.secrets.getDeletedSecret(item.name, abort)).properties.recoveryLevel,
        );
      case "key":
        return deletedEntry(
          "key",
          item.key,
          item.name,
          (await dst.keys.getDeletedKey(item.name, abort)).properties.recoveryLevel,
        );
      default:
        return deletedEntry(
          "certificate",
          item.key,
          item.name,
          (await dst.certificates.getDeletedCertificate(item.name, abort)).properties.recoveryLevel,
        );
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
