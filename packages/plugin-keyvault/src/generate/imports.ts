import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { DataplaneError, ErrorCodes } from "@dataplane/core";
import { isKeyVaultItem, type KeyVaultItem } from "../items.js";

/** Terraform resource type per item kind. */
export const RESOURCE_TYPES: Readonly<Record<KeyVaultItem["kind"], string>> = {
  secret: "azurerm_key_vault_secret",
  key: "azurerm_key_vault_key",
  certificate: "azurerm_key_vault_certificate",
  "certificate-issuer": "azurerm_key_vault_certificate_issuer",
  "certificate-contacts": "azurerm_key_vault_certificate_contacts",
};

/**
 * The id azurerm imports an item by: versioned for secrets, keys and certificates; the issuer
 * and contacts URLs for vault settings. Undefined when the version is unknown.
 */
export function importIdOf(item: KeyVaultItem): string | undefined {
  const base = item.properties.vaultUrl.replace(/\/$/, "");
  switch (item.kind) {
    case "secret":
      return item.properties.version ? `${base}/secrets/${item.name}/${item.properties.version}` : undefined;
    case "key":
      return item.properties.version ? `${base}/keys/${item.name}/${item.properties.version}` : undefined;
    case "certificate":
      return item.properties.version
        ? `${base}/certificates/${item.name}/${item.properties.version}`
        : undefined;
    case "certificate-issuer":
      return `${base}/certificates/issuers/${item.name}`;
    case "certificate-contacts":
      return `${base}/certificates/contacts`;
  }
}

export function presenceKey(kind: string, name: string): string {
  return `${kind}/${name.toLowerCase()}`;
}

/**
 * Reads the items of a target vault from `dataplane discover <target> --out <file>` (JSON lines):
 * kind/name → item, for the import blocks of items the target already has.
 */
export async function readTargetItems(path: string): Promise<Map<string, KeyVaultItem>> {
  const found = new Map<string, KeyVaultItem>();
  let n = 0;
  try {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      n++;
      if (line.trim() === "") continue;
      const parsed = JSON.parse(line) as { type?: unknown; item?: KeyVaultItem };
      const item = parsed.type === "item" ? parsed.item : undefined;
      if (item && typeof item === "object" && typeof item.kind === "string" && isKeyVaultItem(item)) {
        found.set(presenceKey(item.kind, item.name), item);
      }
    }
  } catch (error) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `cannot read --import-items ${path}${n > 0 ? ` (line ${n})` : ""}: ${(error as Error).message}`,
      { hint: "Give the JSON lines file written by `dataplane discover <target-vault.json> --out <file>`" },
    );
  }
  return found;
}
