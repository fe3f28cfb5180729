import { parse } from "@cdktf/hcl2json";
import {
  createSession,
  type DataPlaneItem,
  definePlugin,
  type ItemOutcome,
  PluginRegistry,
  type ReplicateOptions,
} from "@dataplane/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntityItem } from "../src/items.js";
import { tablesPlugin } from "../src/plugin.js";
import { startTableAccounts, type TableAccounts } from "./helpers/accounts.js";
import { contentOf, type Estate, readAccount, seedEstate } from "./helpers/estate.js";

let accounts: TableAccounts;
let estate: Estate;
const SOURCE = "srcaccount";

beforeAll(async () => {
  accounts = await startTableAccounts([SOURCE, "dryaccount", "copyaccount", "driftaccount", "tmplaccount"]);
  estate = await seedEstate(accounts, SOURCE);
});
afterAll(() => accounts?.stop());

async function discover(options: Record<string, string | boolean> = {}): Promise<DataPlaneItem[]> {
  const context = createSession().discoverContext(accounts.access("source", SOURCE), options);
  const items: DataPlaneItem[] = [];
  for await (const item of tablesPlugin.discover(accounts.resource(SOURCE), context)) items.push(item);
  return items;
}

async function replicate(target: string, run: ReplicateOptions = {}) {
  const outcomes: ItemOutcome[] = [];
  const session = createSession();
  const context = session.replicateContext(
    accounts.access("source", SOURCE),
    accounts.access("target", target),
    {
      ...run,
      onOutcome: (_, outcome) => outcomes.push(outcome),
    },
  );
  const result = await tablesPlugin.replicate(accounts.resource(SOURCE), accounts.resource(target), context);
  return { result, outcomes };
}

function entity(items: DataPlaneItem[], key: string): EntityItem {
  const found = items.find((i) => i.key === key);
  if (found?.kind !== "table-entity") throw new Error(`no entity ${key}`);
  return found as EntityItem;
}

describe("discover", () => {
  it("streams each table, then its entities, with every property typed and secret values left out", async () => {
    const items = await discover();
    const tables = items.filter((i) => i.kind === "table").map((i) => i.name);
    expect(tables.sort()).toEqual(["Audit", "Empty", "Large", "Orders"]);
    expect(items.filter((i) => i.kind === "table-entity")).toHaveLength(20 + 4 + 120);
    // a table comes before its entities
    expect(items.findIndex((i) => i.key === "table/orders")).toBeLessThan(
      items.findIndex((i) => i.key.startsWith("table/orders/")),
    );

    const order = entity(items, "table/orders/2026-01/order-002");
    expect(order.properties).toMatchObject({ table: "Orders", partitionKey: "2026-01", rowKey: "order-002" });
    expect(order.properties.values).toMatchObject({
      customer: { type: "String", value: "customer 2" },
      total: { type: "Double", value: 14.5 },
      quantity: { type: "Int32", value: 2 },
      serial: { type: "Int64", value: "9000000000002" },
      shipped: { type: "Boolean", value: false },
      placedAt: { type: "DateTime", value: "2026-01-03T10:30:00.000Z" },
      id: { type: "Guid", value: "0f8fad5b-d9cb-469f-a165-708677280952" },
      blob: { type: "Binary", value: "AgECAw==" },
    });
    expect(order.properties.secret).toEqual({ apiToken: "String" });
    expect(order.properties.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(entity(items, "table/audit//empty partition key").name).toBe("Audit//empty partition key");

    const json = JSON.stringify(items);
    for (const canary of estate.canaries) expect(json).not.toContain(canary);
  });

  it("keeps to the tables --tables names (wildcards, any case)", async () => {
    const items = await discover({ tables: "ord*,EMPTY" });
    expect([...new Set(items.map((i) => (i.properties as { table: string }).table))].sort()).toEqual([
      "Empty",
      "Orders",
    ]);
  });

  it("treats the properties --secret-properties names as secret, instead of the default names", async () => {
    const items = await discover({ tables: "Orders", "secret-properties": "customer" });
    const order = entity(items, "table/orders/2026-02/order-001");
    expect(order.properties.secret).toEqual({ customer: "String" });
    expect(order.properties.values.apiToken).toBeDefined();
  });
});

describe("generate", () => {
  it("writes azurerm_storage_table per table, with the account id as the only variable", async () => {
    const context = createSession().generateContext("replication", {});
    const output = await tablesPlugin.generate(await discover(), "terraform", context);
    expect(Object.keys(output.files).sort()).toEqual([
      "tables.tf",
      "terraform.tfvars.example",
      "variables.tf",
      "versions.tf",
    ]);
    const tables = (await parse("tables.tf", output.files["tables.tf"]!)) as {
      resource: { azurerm_storage_table: Record<string, [{ name: string; storage_account_id: string }]> };
    };
    expect(tables.resource.azurerm_storage_table.orders).toEqual([
      { name: "Orders", storage_account_id: "${var.storage_account_id}" },
    ]);
    expect(output.variables.map((v) => v.name)).toEqual(["storage_account_id"]);
  });

  it("with --include-entities, writes the entities of small tables, typed, with secrets as sensitive variables", async () => {
    const context = createSession().generateContext("replication", {
      "include-entities": true,
      "max-entities": 100,
    });
    const output = await tablesPlugin.generate(await discover(), "terraform", context);
    const text = output.files["entities.tf"]!;
    const parsed = (await parse("entities.tf", text)) as {
      resource: { azurerm_storage_table_entity: Record<string, [Record<string, unknown>]> };
    };
    const entities = parsed.resource.azurerm_storage_table_entity;
    expect(Object.keys(entities)).toHaveLength(20 + 4); // Large (120) is over --max-entities
    const [order] = entities["orders_2026-01_order-002"]!;
    expect(order).toMatchObject({
      storage_table_id: "${azurerm_storage_table.orders.id}",
      partition_key: "2026-01",
      row_key: "order-002",
      entity: {
        customer: "customer 2",
        total: "14.5",
        "total@odata.type": "Edm.Double",
        serial: "9000000000002",
        "serial@odata.type": "Edm.Int64",
        shipped: "false",
        "shipped@odata.type": "Edm.Boolean",
        apiToken: "${var.orders_2026-01_order-002_apitoken}",
      },
    });
    // HCL escapes: the key is kept literally, with no live interpolation
    expect(text).toMatch(/row_key\s+= "quote \\" and \$\$\{interpolation\} and %%\{directive\}"\n/);
    expect(entities.audit_users_quote_and_interpolation_and_directive![0].row_key).toBe(
      'quote " and $${interpolation} and %%{directive}', // hcl2json keeps template escapes as written
    );
    const secrets = output.variables.filter((v) => v.sensitive);
    expect(secrets).toHaveLength(20 + 1);
    expect(output.files["variables.tf"]).toContain('variable "audit_users_with_spaces_dbpassword"');
    expect(output.warnings).toEqual([
      "table large has more than 100 entities: only its table is generated; copy its entities with dataplane replicate",
    ]);
    for (const canary of estate.canaries) expect(JSON.stringify(output)).not.toContain(canary);
  });
});

describe("replicate", () => {
  it("plans a dry run without writing: every table and entity to create, the target untouched", async () => {
    const before = await readAccount(accounts, "dryaccount");
    const { result } = await replicate("dryaccount", { dryRun: true });
    expect(result.plan).toEqual({ table: { create: 4 }, "table-entity": { create: 144 } });
    expect(result.counts).toMatchObject({ discovered: 148, created: 0, updated: 0, failed: 0 });
    expect(await readAccount(accounts, "dryaccount")).toEqual(before);
  });

  it("copies tables and entities with their types and secret values; a second run writes nothing", async () => {
    const first = await replicate("copyaccount");
    expect(first.result.counts).toMatchObject({
      discovered: 148,
      created: 148,
      updated: 0,
      skipped: 0,
      failed: 0,
    });
    expect(await contentOf(accounts, "copyaccount")).toEqual(await contentOf(accounts, SOURCE));

    const written = await readAccount(accounts, "copyaccount");
    const second = await replicate("copyaccount");
    expect(second.result.counts).toMatchObject({
      discovered: 148,
      created: 0,
      updated: 0,
      skipped: 148,
      unchanged: 148,
      conflicts: 0,
      unsupported: 0,
      resumed: 0,
      deleted: 0,
      notFinished: 0,
      failed: 0,
    });
    expect(new Set(second.outcomes.map((o) => o.status))).toEqual(new Set(["skipped-unchanged"]));
    expect(await readAccount(accounts, "copyaccount")).toEqual(written); // same etags: nothing rewritten
  });

  it("updates an entity changed in the source; an entity changed in the target since is a conflict", async () => {
    await replicate("driftaccount", { options: { tables: "Orders" } });
    const source = accounts.table(SOURCE, "Orders");
    await source.updateEntity({ partitionKey: "2026-01", rowKey: "order-004", quantity: 40 }, "Merge");
    const target = accounts.table("driftaccount", "Orders");
    await target.updateEntity({ partitionKey: "2026-01", rowKey: "order-006", customer: "edited" }, "Merge");
    try {
      const { result, outcomes } = await replicate("driftaccount", { options: { tables: "Orders" } });
      expect(result.counts).toMatchObject({ created: 0, updated: 1, failed: 0 });
      const byKey = new Map(outcomes.map((o) => [o.key, o]));
      expect(byKey.get("table/orders/2026-01/order-004")).toMatchObject({
        status: "updated",
        reason: "differs in quantity",
      });
      expect(byKey.get("table/orders/2026-01/order-006")).toMatchObject({ status: "skipped-conflict" });
      expect(byKey.get("table/orders/2026-01/order-006")?.reason).toMatch(
        /^the target's entity was written after the source's \(.+ > .+\) and differs in customer$/,
      );

      const overwrite = await replicate("driftaccount", {
        options: { tables: "Orders" },
        onConflict: "overwrite",
      });
      expect(overwrite.result.counts).toMatchObject({ updated: 1, failed: 0 });
      const entity = await target.getEntity<{ customer: string }>("2026-01", "order-006");
      expect(entity.customer).toBe("customer 6");
      expect((await replicate("driftaccount", { options: { tables: "Orders" } })).result.counts.updated).toBe(
        0,
      );
    } finally {
      await source.updateEntity({ partitionKey: "2026-01", rowKey: "order-004", quantity: 4 }, "Merge");
    }
  });

  it("in template mode creates the tables only, and says so", async () => {
    const { result } = await replicate("tmplaccount", { mode: "template" });
    expect(result.counts).toMatchObject({ discovered: 4, created: 4, updated: 0, skipped: 0, failed: 0 });
    expect(result.warnings).toEqual([
      "template mode: tables were created; their entities are content and were not copied",
    ]);
    const content = await contentOf(accounts, "tmplaccount");
    expect(Object.keys(content).sort()).toEqual(["Audit", "Empty", "Large", "Orders"]);
    expect(Object.values(content).flat()).toEqual([]);
  });
});

describe("installed beside @dataplane/plugin-storage", () => {
  it("serves storage accounts for its own kinds only, so both plugins run for one account", () => {
    const registry = new PluginRegistry();
    const storageLike = definePlugin({
      ...tablesPlugin,
      name: "storage",
      itemKinds: ["container", "blob", "share", "directory", "file"],
    });
    registry.register(storageLike);
    registry.register(tablesPlugin);
    expect(registry.pluginsFor(accounts.resource(SOURCE)).map((p) => p.name)).toEqual(["storage", "tables"]);
  });
});
