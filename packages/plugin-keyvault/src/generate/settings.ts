import type { HclFile } from "@dataplane/core";
import type { ContactsItem, IssuerItem } from "../items.js";
import { type Generation, KEY_VAULT_ID_VARIABLE, varRef } from "./model.js";

/** `azurerm_key_vault_certificate_issuer`; its password, if any, is a sensitive variable. */
export function issuerResource(file: HclFile, gen: Generation, item: IssuerItem): string | undefined {
  const p = item.properties;
  const label = gen.resource("azurerm_key_vault_certificate_issuer", item.name);
  // Key Vault never returns an issuer's password: an issuer with an account needs one supplied.
  const password =
    !gen.template && (p.hasPassword || p.accountId !== undefined)
      ? gen.variable(`issuer_${item.name}_password`, {
          description: `Password (API key) of the certificate issuer "${item.name}" (Key Vault does not return it)`,
          type: "string",
          sensitive: true,
        })
      : undefined;
  file.block("resource", ["azurerm_key_vault_certificate_issuer", label], (b) => {
    b.attr("name", item.name);
    b.attr("key_vault_id", varRef(KEY_VAULT_ID_VARIABLE));
    b.attr("provider_name", p.provider ?? "");
    b.attr("account_id", p.accountId);
    b.attr("org_id", p.organizationId);
    b.attr("password", password ? varRef(password) : undefined);
    for (const admin of p.administratorContacts ?? []) {
      b.block("admin", [], (a) => {
        a.attr("email_address", admin.email ?? "");
        a.attr("first_name", admin.firstName);
        a.attr("last_name", admin.lastName);
        a.attr("phone", admin.phone);
      });
    }
  });
  return label;
}

/** `azurerm_key_vault_certificate_contacts`: the vault's certificate contacts. */
export function contactsResource(file: HclFile, gen: Generation, item: ContactsItem): string | undefined {
  if (!item.properties.contacts.some((c) => c.email)) {
    // azurerm needs at least one contact with an email address.
    file.comment("The source vault has no certificate contacts with an email address: none are generated.");
    return undefined;
  }
  const label = gen.resource("azurerm_key_vault_certificate_contacts", "contacts");
  gen.azurerm.needs("3.37.0", "azurerm_key_vault_certificate_contacts");
  file.block("resource", ["azurerm_key_vault_certificate_contacts", label], (b) => {
    b.attr("key_vault_id", varRef(KEY_VAULT_ID_VARIABLE));
    for (const c of item.properties.contacts) {
      if (!c.email) continue;
      b.block("contact", [], (cb) => {
        cb.attr("email", c.email);
        cb.attr("name", c.name);
        cb.attr("phone", c.phone);
      });
    }
  });
  return label;
}
