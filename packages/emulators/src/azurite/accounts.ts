// Storage accounts for Azurite: names, base64 keys, and the AZURITE_ACCOUNTS variable.
import { randomBytes } from "node:crypto";

export interface StorageAccount {
  name: string;
  /** Base64 account key. */
  key: string;
}

export interface StorageAccountInput {
  name: string;
  /** Base64 account key; a random 64-byte key when omitted. */
  key?: string;
}

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function resolveAccounts(inputs: readonly StorageAccountInput[]): StorageAccount[] {
  const seen = new Set<string>();
  return inputs.map(({ name, key }) => {
    if (!ACCOUNT_NAME.test(name)) {
      throw new Error(`'${name}' is not a valid storage account name (3-24 lowercase letters or digits)`);
    }
    if (seen.has(name)) throw new Error(`storage account '${name}' is listed twice`);
    seen.add(name);
    if (key !== undefined && !BASE64.test(key))
      throw new Error(`the key of storage account '${name}' is not base64`);
    return { name, key: key ?? randomBytes(64).toString("base64") };
  });
}

/** `name1:key1;name2:key2`, the format Azurite reads from AZURITE_ACCOUNTS. */
export function azuriteAccountsVariable(accounts: readonly StorageAccount[]): string {
  return accounts.map((a) => `${a.name}:${a.key}`).join(";");
}
