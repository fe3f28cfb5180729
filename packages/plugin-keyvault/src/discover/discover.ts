import type { AzureResource, DiscoverContext } from "@dataplane/core";
import type { KeyVaultItem } from "../items.js";
import { readOptions } from "../options.js";
import { createVaultClients } from "../vault/clients.js";
import { vaultUriOf } from "../vault/endpoint.js";
import { discoverCertificates } from "./certificates.js";
import { discoverKeys } from "./keys.js";
import { discoverSecrets } from "./secrets.js";
import { discoverContacts, discoverIssuers } from "./settings.js";

/**
 * Streams a vault's items: secrets, keys, certificates, then the vault's certificate issuers
 * and contacts. Reads metadata only: no secret value, no key material, no PFX.
 */
export async function* discoverVault(
  resource: AzureResource,
  context: DiscoverContext,
): AsyncIterable<KeyVaultItem> {
  const options = readOptions(context.options);
  const clients = createVaultClients(vaultUriOf(resource), context.access, context.http, options.pace);
  const scope = { versions: options.versions, signal: context.signal };
  yield* discoverSecrets(clients, resource.id, scope);
  yield* discoverKeys(clients, resource.id, scope);
  yield* discoverCertificates(clients, resource.id, scope);
  yield* discoverIssuers(clients, resource.id, context.redactor, context.signal);
  yield* discoverContacts(clients, resource.id, context.signal);
}
