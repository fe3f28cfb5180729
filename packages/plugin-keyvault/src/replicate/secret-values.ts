import { createHash } from "node:crypto";
import type { SecretProperties as SdkSecretProperties, SetSecretOptions } from "@azure/keyvault-secrets";
import type { StepContext } from "@dataplane/core";
import { attributesOf } from "../discover/attributes.js";
import { listSecretVersions } from "../discover/secrets.js";
import type { SecretVersionProperties, Tags } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { dateOf, defined, stableJson, tagsOf } from "../vault/json.js";

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

export function setOptionsOf(attributes: SecretAttributes, ctx: StepContext): SetSecretOptions {
  return {
    ...abortOptions(ctx.signal),
    enabled: attributes.enabled,
    tags: { ...attributes.tags },
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

/**
 * Every readable version of a secret with its value, oldest first. Disabled versions cannot be
 * read (403 SecretDisabled): they are counted, not returned.
 */
export async function readAllVersions(
  clients: VaultClients,
  name: string,
  ctx: StepContext,
  known?: readonly SecretVersionProperties[],
): Promise<{ versions: SecretVersionValue[]; disabled: number; all: readonly SecretVersionProperties[] }> {
  const all = known ?? (await listSecretVersions(clients, name, ctx.signal));
  const readable = all.filter((v) => v.enabled);
  const versions = await Promise.all(readable.map((v) => readSecretValue(clients, name, v.version, ctx)));
  return { versions, disabled: all.length - readable.length, all };
}
