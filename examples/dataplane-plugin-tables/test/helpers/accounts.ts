import { AzureNamedKeyCredential, TableClient, TableServiceClient } from "@azure/data-tables";
import type { AzureResource, SideAccess } from "@dataplane/core";
import { type AzuriteInstance, startAzurite } from "@dataplane/emulators";

/** Storage accounts on Azurite's table service, as ARM documents plus what a test needs to look inside. */
export interface TableAccounts {
  readonly azurite: AzuriteInstance;
  /** The account's ARM document (what `az storage account show` prints), its table endpoint on Azurite. */
  resource(account: string): AzureResource;
  /** How a side reaches the account: its shared key, as the CLI builds it from the config. */
  access(side: "source" | "target", account: string): SideAccess;
  key(account: string): string;
  service(account: string): TableServiceClient;
  table(account: string, table: string): TableClient;
  stop(): Promise<void>;
}

export async function startTableAccounts(names: readonly string[]): Promise<TableAccounts> {
  const azurite = await startAzurite({ accounts: names.map((name) => ({ name })), services: ["table"] });
  const endpoint = (account: string) => azurite.tableEndpoint!(account);
  const key = (account: string) => {
    const found = azurite.accounts.find((a) => a.name === account);
    if (!found) throw new Error(`no account ${account}`);
    return found.key;
  };
  const credential = (account: string) => new AzureNamedKeyCredential(account, key(account));
  return {
    azurite,
    resource: (account) => ({
      id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/tables-test/providers/Microsoft.Storage/storageAccounts/${account}`,
      type: "Microsoft.Storage/storageAccounts",
      name: account,
      location: "eastus",
      kind: "StorageV2",
      properties: { primaryEndpoints: { table: `${endpoint(account)}/` } },
    }),
    access: (side, account) => ({
      side,
      storage: { type: "sharedKey", accountName: account, accountKey: key(account) },
      local: true,
    }),
    key,
    service: (account) =>
      new TableServiceClient(endpoint(account), credential(account), { allowInsecureConnection: true }),
    table: (account, table) =>
      new TableClient(endpoint(account), table, credential(account), { allowInsecureConnection: true }),
    stop: () => azurite.stop(),
  };
}
