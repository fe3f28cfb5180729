import { type HandlerResult, ok, pageByName, type RequestContext } from "../server/context.js";
import { badParameter, KeyVaultError } from "../server/errors.js";
import {
  asObject,
  type JsonObject,
  optArray,
  optBoolean,
  optObject,
  optString,
} from "../server/json-input.js";
import { nowSeconds } from "../state/attributes.js";
import { assertObjectName } from "../state/ids.js";
import type { VaultState } from "../state/vault.js";
import type { Contact, IssuerRecord } from "./model.js";

/** Vault-level certificate settings: contacts and issuers. */

// ---- contacts --------------------------------------------------------------------------

function contactsJson(vault: VaultState, contacts: Contact[]) {
  return { id: `${vault.baseUrl}/certificates/contacts`, contacts };
}

function contactsNotFound(): KeyVaultError {
  return new KeyVaultError(404, "ContactsNotFound", "Contacts not found");
}

export function getCertificateContacts(ctx: RequestContext): HandlerResult {
  if (!ctx.vault.contacts) throw contactsNotFound();
  return ok(contactsJson(ctx.vault, ctx.vault.contacts));
}

export function setCertificateContacts(ctx: RequestContext): HandlerResult {
  const raw = optArray(asObject(ctx.body), "contacts") ?? [];
  const contacts = raw.map((entry) => {
    const item = asObject(entry, "contact");
    const contact: Contact = {};
    const email = optString(item, "email");
    const name = optString(item, "name");
    const phone = optString(item, "phone");
    if (email !== undefined) contact.email = email;
    if (name !== undefined) contact.name = name;
    if (phone !== undefined) contact.phone = phone;
    if (!contact.email) throw badParameter("Every certificate contact needs an email address.");
    return contact;
  });
  ctx.vault.contacts = contacts;
  return ok(contactsJson(ctx.vault, contacts));
}

export function deleteCertificateContacts(ctx: RequestContext): HandlerResult {
  const contacts = ctx.vault.contacts;
  if (!contacts) throw contactsNotFound();
  ctx.vault.contacts = undefined;
  return ok(contactsJson(ctx.vault, contacts));
}

// ---- issuers ---------------------------------------------------------------------------

function issuerName(ctx: RequestContext): string {
  const name = ctx.segments[2] as string;
  assertObjectName(name);
  return name;
}

function issuerJson(vault: VaultState, issuer: IssuerRecord): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: `${vault.baseUrl}/certificates/issuers/${issuer.name}`,
    provider: issuer.provider,
  };
  // The service does not return the issuer password.
  if (issuer.credentials?.account_id !== undefined)
    json.credentials = { account_id: issuer.credentials.account_id };
  if (issuer.org_details) json.org_details = issuer.org_details;
  json.attributes = issuer.attributes;
  return json;
}

function issuerNotFound(name: string): KeyVaultError {
  return new KeyVaultError(404, "CertificateIssuerNotFound", `Issuer not found: ${name}`);
}

function applyIssuerFields(issuer: IssuerRecord, body: JsonObject): void {
  const credentials = optObject(body, "credentials");
  if (credentials) {
    // Field by field: the SDK's updateIssuer always sends `credentials`, often empty.
    const accountId = optString(credentials, "account_id");
    const pwd = optString(credentials, "pwd");
    issuer.credentials = { ...issuer.credentials };
    if (accountId !== undefined) issuer.credentials.account_id = accountId;
    if (pwd !== undefined) issuer.credentials.pwd = pwd;
  }
  const org = optObject(body, "org_details");
  if (org) {
    const details: NonNullable<IssuerRecord["org_details"]> = {};
    const id = optString(org, "id");
    if (id !== undefined) details.id = id;
    const admins = optArray(org, "admin_details");
    if (admins) {
      details.admin_details = admins.map((entry) => {
        const admin = asObject(entry, "administrator");
        const result: NonNullable<typeof details.admin_details>[number] = {};
        for (const field of ["first_name", "last_name", "email", "phone"] as const) {
          const value = optString(admin, field);
          if (value !== undefined) result[field] = value;
        }
        return result;
      });
    }
    issuer.org_details = details;
  }
  const enabled = optBoolean(optObject(body, "attributes") ?? {}, "enabled");
  if (enabled !== undefined) issuer.attributes.enabled = enabled;
}

export function setCertificateIssuer(ctx: RequestContext): HandlerResult {
  const name = issuerName(ctx);
  const body = asObject(ctx.body);
  const provider = optString(body, "provider");
  if (!provider) throw badParameter("The 'provider' property is required.");
  const now = nowSeconds();
  const key = name.toLowerCase();
  const previous = ctx.vault.issuers.get(key);
  const issuer: IssuerRecord = {
    name: previous?.name ?? name,
    provider,
    attributes: { enabled: true, created: previous?.attributes.created ?? now, updated: now },
  };
  applyIssuerFields(issuer, body);
  ctx.vault.issuers.set(key, issuer);
  ctx.vault.issuerNames.add(key);
  return ok(issuerJson(ctx.vault, issuer));
}

export function updateCertificateIssuer(ctx: RequestContext): HandlerResult {
  const name = issuerName(ctx);
  const issuer = ctx.vault.issuers.get(name.toLowerCase());
  if (!issuer) throw issuerNotFound(name);
  const body = asObject(ctx.body);
  const provider = optString(body, "provider");
  if (provider !== undefined) issuer.provider = provider;
  applyIssuerFields(issuer, body);
  issuer.attributes.updated = nowSeconds();
  return ok(issuerJson(ctx.vault, issuer));
}

export function getCertificateIssuer(ctx: RequestContext): HandlerResult {
  const name = issuerName(ctx);
  const issuer = ctx.vault.issuers.get(name.toLowerCase());
  if (!issuer) throw issuerNotFound(name);
  return ok(issuerJson(ctx.vault, issuer));
}

export function deleteCertificateIssuer(ctx: RequestContext): HandlerResult {
  const name = issuerName(ctx);
  const key = name.toLowerCase();
  const issuer = ctx.vault.issuers.get(key);
  if (!issuer) throw issuerNotFound(name);
  ctx.vault.issuers.delete(key);
  ctx.vault.issuerNames.remove(key);
  return ok(issuerJson(ctx.vault, issuer));
}

export function getCertificateIssuers(ctx: RequestContext): HandlerResult {
  const vault = ctx.vault;
  return ok(
    pageByName(ctx, vault.issuerNames, (key) => {
      const issuer = vault.issuers.get(key);
      return issuer
        ? { id: `${vault.baseUrl}/certificates/issuers/${issuer.name}`, provider: issuer.provider }
        : undefined;
    }),
  );
}
