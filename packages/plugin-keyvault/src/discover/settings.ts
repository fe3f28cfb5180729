import type { CertificateContact, CertificateIssuer } from "@azure/keyvault-certificates";
import type { AbortSignalLike, Redactor } from "@dataplane/core";
import { type ContactsItem, type IssuerItem, itemKey } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { isNotFound } from "../vault/errors.js";
import { defined } from "../vault/json.js";

/** The SDK leaves `name` empty in issuer listings: it is the last segment of the id. */
export function issuerNameOf(issuer: { readonly name?: string; readonly id?: string }): string | undefined {
  if (issuer.name) return issuer.name;
  const last = issuer.id
    ?.split("/")
    .filter((s) => s.length > 0)
    .at(-1);
  return last ? decodeURIComponent(last) : undefined;
}

export function issuerItemOf(issuer: CertificateIssuer, vaultUrl: string, resourceId: string): IssuerItem {
  const name = issuer.name ?? "";
  return {
    kind: "certificate-issuer",
    key: itemKey.issuer(name),
    name,
    sourceResourceId: resourceId,
    properties: {
      vaultUrl,
      ...defined({
        provider: issuer.provider,
        accountId: issuer.accountId,
        organizationId: issuer.organizationId,
        enabled: issuer.enabled,
        administratorContacts: issuer.administratorContacts?.map((c) =>
          defined({ firstName: c.firstName, lastName: c.lastName, email: c.email, phone: c.phone }),
        ),
      }),
      hasPassword: typeof issuer.password === "string" && issuer.password.length > 0,
    },
  };
}

/** Reads one issuer; its password, when the service returns one, is registered with the redactor. */
export async function readIssuer(
  clients: VaultClients,
  name: string,
  redactor: Redactor,
  signal?: AbortSignalLike,
): Promise<CertificateIssuer | undefined> {
  try {
    const issuer = await clients.certificates.getIssuer(name, abortOptions(signal));
    if (issuer.password) redactor.addSecret(issuer.password);
    return issuer;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function* discoverIssuers(
  clients: VaultClients,
  resourceId: string,
  redactor: Redactor,
  signal?: AbortSignalLike,
): AsyncIterable<IssuerItem> {
  for await (const p of clients.certificates.listPropertiesOfIssuers(abortOptions(signal))) {
    const name = issuerNameOf(p);
    if (!name) continue;
    const issuer = await readIssuer(clients, name, redactor, signal);
    if (issuer) yield issuerItemOf({ ...issuer, name }, clients.vaultUrl, resourceId);
  }
}

export async function readContacts(
  clients: VaultClients,
  signal?: AbortSignalLike,
): Promise<CertificateContact[]> {
  try {
    const contacts = await clients.certificates.getContacts(abortOptions(signal));
    return (contacts ?? []).filter((c): c is NonNullable<CertificateContact> => c !== undefined);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export async function* discoverContacts(
  clients: VaultClients,
  resourceId: string,
  signal?: AbortSignalLike,
): AsyncIterable<ContactsItem> {
  const contacts = await readContacts(clients, signal);
  if (contacts.length === 0) return;
  yield {
    kind: "certificate-contacts",
    key: itemKey.contacts(),
    name: "contacts",
    sourceResourceId: resourceId,
    properties: {
      vaultUrl: clients.vaultUrl,
      contacts: contacts.map((c) =>
        defined({
          email: (c as { email?: string }).email,
          name: (c as { name?: string }).name,
          phone: (c as { phone?: string }).phone,
        }),
      ),
    },
  };
}
