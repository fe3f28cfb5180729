import { randomBytes } from "node:crypto";
import type { TableEntity } from "@azure/data-tables";
import type { TableAccounts } from "./accounts.js";

/** What `seedEstate` wrote: secret values to look for, and how many entities per table. */
export interface Estate {
  readonly canaries: readonly string[];
  readonly entities: Readonly<Record<string, number>>;
}

function canary(): string {
  return `canary-${randomBytes(8).toString("hex")}`;
}

async function put(accounts: TableAccounts, account: string, table: string, entities: TableEntity[]) {
  const client = accounts.table(account, table);
  await client.createTable();
  for (let i = 0; i < entities.length; i += 50) {
    await Promise.all(entities.slice(i, i + 50).map((e) => client.upsertEntity(e, "Replace")));
  }
}

/**
 * A source account with every property type, secrets under names the plugin treats as secret,
 * keys that need escaping in HCL, an empty table and a table over the default `--max-entities`.
 */
export async function seedEstate(
  accounts: TableAccounts,
  account: string,
  sizes: { orders?: number; large?: number } = {},
): Promise<Estate> {
  const canaries: string[] = [];
  const orders: TableEntity[] = [];
  for (let i = 0; i < (sizes.orders ?? 20); i++) {
    const apiToken = canary();
    canaries.push(apiToken);
    orders.push({
      partitionKey: i % 2 === 0 ? "2026-01" : "2026-02",
      rowKey: `order-${String(i).padStart(3, "0")}`,
      customer: `customer ${i}`,
      total: { value: 12.5 + i, type: "Double" },
      quantity: i,
      serial: { value: `${9_000_000_000_000 + i}`, type: "Int64" },
      shipped: i % 3 === 0,
      placedAt: new Date(Date.UTC(2026, 0, 1 + i, 10, 30)),
      id: { value: `0f8fad5b-d9cb-469f-a165-70867728${String(950 + i).padStart(4, "0")}`, type: "Guid" },
      blob: new Uint8Array([i, 1, 2, 3]),
      apiToken,
    });
  }
  const dbPassword = canary();
  canaries.push(dbPassword);
  const audit: TableEntity[] = [
    { partitionKey: "", rowKey: "empty partition key", note: "PartitionKey may be empty" },
    {
      partitionKey: "users",
      rowKey: 'quote " and ${interpolation} and %{directive}',
      note: "escaped in HCL",
    },
    { partitionKey: "users", rowKey: "été ünïcödé", note: "unicode" },
    { partitionKey: "users", rowKey: "with spaces", note: "line one\nline two", dbPassword },
  ];
  const large: TableEntity[] = [];
  for (let i = 0; i < (sizes.large ?? 120); i++) {
    large.push({ partitionKey: `p${i % 4}`, rowKey: `r${String(i).padStart(4, "0")}`, n: i });
  }
  await put(accounts, account, "Orders", orders);
  await put(accounts, account, "Audit", audit);
  await put(accounts, account, "Large", large);
  await accounts.table(account, "Empty").createTable();
  return {
    canaries,
    entities: { Orders: orders.length, Audit: audit.length, Large: large.length, Empty: 0 },
  };
}

/**
 * Every table and entity of an account, typed, with the service's etag and timestamp (they
 * change on every write, so a rewrite shows).
 */
export async function readAccount(
  accounts: TableAccounts,
  account: string,
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for await (const { name } of accounts.service(account).listTables()) {
    if (!name) continue;
    const entities: unknown[] = [];
    for await (const e of accounts.table(account, name).listEntities({ disableTypeConversion: true })) {
      entities.push(e);
    }
    out[name] = entities;
  }
  return out;
}

/** The entities of an account without the service's fields (etag, timestamp), to compare content. */
export async function contentOf(
  accounts: TableAccounts,
  account: string,
): Promise<Record<string, unknown[]>> {
  const all = await readAccount(accounts, account);
  return Object.fromEntries(
    Object.entries(all).map(([table, entities]) => [
      table,
      entities.map((e) => {
        const { etag: _etag, timestamp: _timestamp, ...content } = e as Record<string, unknown>;
        return content;
      }),
    ]),
  );
}
