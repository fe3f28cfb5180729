import type { SecretProperties as SdkSecretProperties } from "@azure/keyvault-secrets";
import type { AbortSignalLike } from "@dataplane/core";
import { itemKey, type SecretItem, type SecretVersionProperties } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { isDisabledSecret } from "../vault/errors.js";
import { defined, stableJson, tagsOf } from "../vault/json.js";
import { attributesOf, historyOrder, objectId, versionOfId } from "./attributes.js";

export function secretVersionOf(p: SdkSecretProperties): SecretVersionProperties {
  return {
    version: p.version ?? versionOfId(p.id) ?? "",
    ...attributesOf(p),
    ...defined({ contentType: p.contentType }),
    tags: tagsOf(p.tags),
  };
}

/**
 * Every version of one secret (metadata only) in write order: oldest `createdOn` first, equal
 * times by version id, `current` (the version GET returns) last when given.
 */
export async function listSecretVersions(
  clients: VaultClients,
  name: string,
  signal?: AbortSignalLike,
  current?: string,
): Promise<SecretVersionProperties[]> {
  const versions: SecretVersionProperties[] = [];
  for await (const p of clients.secrets.listPropertiesOfSecretVersions(name, {
    ...abortOptions(signal),
  })) {
    if (p.managed) continue;
    versions.push(secretVersionOf(p));
  }
  return historyOrder(versions, current);
}

/** What identifies a version's attributes in a listing (the secret listing shows the current one's). */
function attributeKey(v: Omit<SecretVersionProperties, "version">): string {
  return stableJson({
    enabled: v.enabled,
    created: v.createdOn,
    updated: v.updatedOn,
    contentType: v.contentType,
    tags: v.tags,
  });
}

/** Sees a secret value the moment it is read (to redact it); it is never kept. */
export interface ValueSink {
  addSecret(value: string): void;
}

/**
 * The id of a secret's current version: the one `GET /secrets/{name}` returns. A disabled current
 * version cannot be read (403 SecretDisabled); then it is the one version whose attributes are
 * those the secret listing showed, or unknown when several are alike.
 */
export async function currentSecretVersion(
  clients: VaultClients,
  name: string,
  listed: Omit<SecretVersionProperties, "version">,
  versions: readonly SecretVersionProperties[],
  options: { readonly signal?: AbortSignalLike; readonly redactor?: ValueSink } = {},
): Promise<string | undefined> {
  if (listed.enabled) {
    try {
      const secret = await clients.secrets.getSecret(name, abortOptions(options.signal));
      options.redactor?.addSecret(secret.value ?? "");
      const version = secret.properties.version ?? versionOfId(secret.properties.id);
      if (version) return version;
    } catch (error) {
      if (!isDisabledSecret(error)) throw error;
    }
  }
  const key = attributeKey(listed);
  const alike = versions.filter((v) => attributeKey(v) === key);
  return alike.length === 1 ? alike[0]?.version : undefined;
}

/**
 * Streams the vault's secrets: metadata only, never a value. Secrets that back certificates
 * (`managed: true`) belong to their certificate and are left out. With every version, the current
 * one is asked of the service (a GET, whose value is dropped at once) and put last.
 */
export async function* discoverSecrets(
  clients: VaultClients,
  resourceId: string,
  options: {
    readonly versions: "latest" | "all";
    readonly signal?: AbortSignalLike;
    readonly redactor?: ValueSink;
  },
): AsyncIterable<SecretItem> {
  const abort = abortOptions(options.signal);
  for await (const p of clients.secrets.listPropertiesOfSecrets(abort)) {
    if (p.managed) continue;
    const { version: listed, ...current } = secretVersionOf(p);
    let versions: SecretVersionProperties[] | undefined;
    let version = listed || undefined;
    if (options.versions === "all") {
      const all = await listSecretVersions(clients, p.name, options.signal);
      version ??= await currentSecretVersion(clients, p.name, current, all, options);
      versions = historyOrder(all, version);
    }
    const id = objectId(clients.vaultUrl, "secrets", p.name);
    yield {
      kind: "secret",
      key: itemKey.secret(p.name),
      name: p.name,
      sourceResourceId: resourceId,
      properties: {
        ...current,
        ...(version ? { version } : {}),
        id: version ? `${id}/${version}` : id,
        vaultUrl: clients.vaultUrl,
        ...(versions ? { versions } : {}),
      },
    };
  }
}
