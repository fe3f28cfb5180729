import type { SecretProperties as SdkSecretProperties } from "@azure/keyvault-secrets";
import type { AbortSignalLike } from "@dataplane/core";
import { itemKey, type SecretItem, type SecretVersionProperties } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { defined, tagsOf } from "../vault/json.js";
import { attributesOf, objectId, oldestFirst, versionOfId } from "./attributes.js";

export function secretVersionOf(p: SdkSecretProperties): SecretVersionProperties {
  return {
    version: p.version ?? versionOfId(p.id) ?? "",
    ...attributesOf(p),
    ...defined({ contentType: p.contentType }),
    tags: tagsOf(p.tags),
  };
}

/** Every version of one secret, oldest first (metadata only). */
export async function listSecretVersions(
  clients: VaultClients,
  name: string,
  signal?: AbortSignalLike,
): Promise<SecretVersionProperties[]> {
  const versions: SecretVersionProperties[] = [];
  for await (const p of clients.secrets.listPropertiesOfSecretVersions(name, {
    ...abortOptions(signal),
  })) {
    if (p.managed) continue;
    versions.push(secretVersionOf(p));
  }
  return oldestFirst(versions);
}

/**
 * Streams the vault's secrets: metadata only, never a value. Secrets that back certificates
 * (`managed: true`) belong to their certificate and are left out.
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
    const versions =
      options.versions === "all" ? await listSecretVersions(clients, p.name, options.signal) : undefined;
    const version = listed || versions?.at(-1)?.version;
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
