import type { SecretProperties as SdkSecretProperties } from "@azure/keyvault-secrets";
import type { AbortSignalLike } from "@dataplane/core";
import { itemKey, type SecretItem, type SecretVersionProperties } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
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

/**
 * Which listed version the secret listing's attributes (those of the current version: created,
 * updated, enabled, content type, tags) belong to, when exactly one does. Discovery reads no
 * value, so it cannot ask `GET /secrets/{name}`; replication does ask it, and never relies on this.
 */
export function currentFromListing(
  listed: Omit<SecretVersionProperties, "version">,
  versions: readonly SecretVersionProperties[],
): string | undefined {
  const key = attributeKey(listed);
  const alike = versions.filter((v) => attributeKey(v) === key);
  return alike.length === 1 ? alike[0]?.version : undefined;
}

/**
 * Streams the vault's secrets: metadata only, never a value. Secrets that back certificates
 * (`managed: true`) belong to their certificate and are left out. With every version, the current
 * one goes last when the listing tells which it is (`currentFromListing`); the item's `version` is
 * set only then.
 */
export async function* discoverSecrets(
  clients: VaultClients,
  resourceId: string,
  options: { readonly versions: "latest" | "all"; readonly signal?: AbortSignalLike },
): AsyncIterable<SecretItem> {
  const abort = abortOptions(options.signal);
  for await (const p of clients.secrets.listPropertiesOfSecrets(abort)) {
    if (p.managed) continue;
    const { version: listed, ...current } = secretVersionOf(p);
    let versions: SecretVersionProperties[] | undefined;
    let version = listed || undefined;
    if (options.versions === "all") {
      const all = await listSecretVersions(clients, p.name, options.signal);
      version ??= currentFromListing(current, all);
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
