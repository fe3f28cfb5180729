import { createHash } from "node:crypto";
import type { SecretProperties as SdkSecretProperties, SetSecretOptions } from "@azure/keyvault-secrets";
import type { StepContext } from "@dataplane/core";
import { attributesOf, historyOrder } from "../discover/attributes.js";
import { listSecretVersions } from "../discover/secrets.js";
import type { SecretVersionProperties, Tags } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { isDisabledSecret } from "../vault/errors.js";
import { dateOf, defined, stableJson, tagsOf } from "../vault/json.js";
import { PLACEHOLDER_TAG, PLACEHOLDER_VALUE } from "./placeholder.js";

/** What a secret version carries besides its value, as compared and written. */
export type SecretAttributes = {
  readonly enabled: boolean;
  readonly notBefore?: string;
  readonly expiresOn?: string;
  readonly contentType?: string;
  readonly tags: Tags;
};

/** A secret version's value with its attributes (held in memory only, never logged). */
export interface SecretVersionValue {
  readonly version: string;
  readonly value: string;
  readonly attributes: SecretAttributes;
}

export function secretAttributesOf(p: {
  readonly enabled?: boolean;
  readonly notBefore?: string;
  readonly expiresOn?: string;
  readonly contentType?: string;
  readonly tags?: Tags;
}): SecretAttributes {
  return {
    enabled: p.enabled !== false,
    ...defined({ notBefore: p.notBefore, expiresOn: p.expiresOn, contentType: p.contentType }),
    tags: { ...(p.tags ?? {}) },
  };
}

export function sdkSecretAttributes(p: SdkSecretProperties): SecretAttributes {
  const a = attributesOf(p);
  return secretAttributesOf({ ...a, ...defined({ contentType: p.contentType }), tags: tagsOf(p.tags) });
}

/** Names of the attributes that differ (dates compared to the second, as the service stores them). */
export function attributeChanges(source: SecretAttributes, target: SecretAttributes): string[] {
  const second = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : undefined);
  const changes: string[] = [];
  if (source.enabled !== target.enabled) changes.push("enabled");
  if (second(source.notBefore) !== second(target.notBefore)) changes.push("notBefore");
  if (second(source.expiresOn) !== second(target.expiresOn)) changes.push("expiresOn");
  if ((source.contentType ?? "") !== (target.contentType ?? "")) changes.push("contentType");
  if (stableJson(source.tags) !== stableJson(target.tags)) changes.push("tags");
  return changes;
}

/** A digest of a value with its attributes: equal digests mean nothing to write. */
export function secretDigest(value: string, attributes: SecretAttributes): string {
  const second = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);
  return createHash("sha256")
    .update(
      stableJson({
        value,
        enabled: attributes.enabled,
        notBefore: second(attributes.notBefore),
        expiresOn: second(attributes.expiresOn),
        contentType: attributes.contentType ?? "",
        tags: attributes.tags,
      }),
    )
    .digest("hex");
}

/**
 * Options of a write. Tags are sent only when there are some: the service answers an untagged
 * secret without `tags`, so an untagged source stays untagged in the target (not `tags: {}`).
 */
export function setOptionsOf(attributes: SecretAttributes, ctx: StepContext): SetSecretOptions {
  return {
    ...abortOptions(ctx.signal),
    enabled: attributes.enabled,
    ...(Object.keys(attributes.tags).length > 0 ? { tags: { ...attributes.tags } } : {}),
    ...defined({
      contentType: attributes.contentType,
      notBefore: dateOf(attributes.notBefore),
      expiresOn: dateOf(attributes.expiresOn),
    }),
  };
}

/** Reads one version's value; the value is registered with the redactor before anything else. */
export async function readSecretValue(
  clients: VaultClients,
  name: string,
  version: string | undefined,
  ctx: StepContext,
): Promise<SecretVersionValue> {
  const secret = await clients.secrets.getSecret(name, {
    ...abortOptions(ctx.signal),
    ...(version ? { version } : {}),
  });
  const value = secret.value ?? "";
  ctx.redactor.addSecret(value);
  return {
    version: secret.properties.version ?? version ?? "",
    value,
    attributes: sdkSecretAttributes(secret.properties),
  };
}

/** This tool's own template-mode placeholder: the placeholder value, tagged as one. */
export function isPlaceholder(v: SecretVersionValue): boolean {
  return v.value === PLACEHOLDER_VALUE && v.attributes.tags[PLACEHOLDER_TAG] === "true";
}

/** The current version (what `GET /secrets/{name}` returns), or undefined when it is disabled. */
export async function readCurrentSecret(
  clients: VaultClients,
  name: string,
  ctx: StepContext,
): Promise<SecretVersionValue | undefined> {
  try {
    return await readSecretValue(clients, name, undefined, ctx);
  } catch (error) {
    if (isDisabledSecret(error)) return undefined;
    throw error;
  }
}

/** A secret's history as this tool reads it. */
export interface SecretHistory {
  /** Readable versions with their values in write order (`historyOrder`), the current one last. */
  readonly versions: SecretVersionValue[];
  /** The current version (what GET returns); undefined when it is disabled. */
  readonly current?: SecretVersionValue;
  /** Disabled versions: their values cannot be read (403 SecretDisabled). */
  readonly disabled: number;
  /** Every version's metadata, in write order. */
  readonly all: readonly SecretVersionProperties[];
}

/**
 * Every readable version of a secret with its value. The current version is the one GET returns
 * (never inferred from times or listing order); the others are ordered by `createdOn`, equal
 * times by version id. Disabled versions cannot be read: they are counted, not returned.
 */
export async function readHistory(
  clients: VaultClients,
  name: string,
  ctx: StepContext,
  known?: readonly SecretVersionProperties[],
): Promise<SecretHistory> {
  const [current, listed] = await Promise.all([
    readCurrentSecret(clients, name, ctx),
    known ?? listSecretVersions(clients, name, ctx.signal),
  ]);
  const all = historyOrder(listed, current?.version);
  const older = all.filter((v) => v.enabled && v.version !== current?.version);
  const values = await Promise.all(older.map((v) => readSecretValue(clients, name, v.version, ctx)));
  return {
    versions: current ? [...values, current] : values,
    ...(current ? { current } : {}),
    disabled: all.filter((v) => !v.enabled).length,
    all,
  };
}
