import type {
  AzureResource,
  Partition,
  PlanDecision,
  ReplicateContext,
  ReplicationResult,
  ReplicationSteps,
} from "@dataplane/core";
import { isNotFound, type TableAccess, tableAccess } from "../access/clients.js";
import { entityItem, listEntities, listTables, tableItem } from "../discover/listing.js";
import { differingProperties, digests, type TypedEntity, toSdkEntity, toTypedEntity } from "../entities.js";
import { ENTITY, type EntityItem, entityKey, TABLE, type TableItem, tableKey } from "../items.js";
import { readSettings } from "../options.js";

export const PLUGIN_NAME = "tables";

/** A source entity carries the entity it was read from (secret values included) to `apply`, in memory only. */
type SourceItem = TableItem | (EntityItem & { readonly entity: TypedEntity });

/** What the target holds: for an entity, a digest per property, so a large table's listing stays small. */
type TargetItem =
  | { readonly kind: "table"; readonly key: string }
  | {
      readonly kind: "table-entity";
      readonly key: string;
      readonly timestamp: string | null;
      readonly digests: Readonly<Record<string, string>>;
    };

const TABLES_PARTITION: Partition = { id: "tables", stage: 0, label: "tables" };

function targetEntity(table: string, entity: TypedEntity): TargetItem {
  return {
    kind: ENTITY,
    key: entityKey(table, entity.partitionKey, entity.rowKey),
    timestamp: entity.timestamp,
    digests: digests(entity.values),
  };
}

function planEntity(
  source: SourceItem & { kind: "table-entity" },
  target: TargetItem | undefined,
): PlanDecision {
  if (!target || target.kind !== ENTITY) return { action: "create" };
  const differs = differingProperties(digests(source.entity.values), target.digests);
  if (differs.length === 0) return { action: "skip-unchanged" };
  const what = `differs in ${differs.join(", ")}`;
  const sourceTime = source.properties.timestamp;
  if (target.timestamp && sourceTime && target.timestamp > sourceTime) {
    return {
      action: "conflict",
      reason: `the target's entity was written after the source's (${target.timestamp} > ${sourceTime}) and ${what}`,
    };
  }
  return { action: "update", reason: what };
}

/**
 * Tables first (stage 0), then one partition per table whose entities are compared and
 * upserted. The engine does the rest: concurrency, retries, checkpoints, dry run, counts.
 */
export async function replicateTables(
  source: AzureResource,
  target: AzureResource,
  context: ReplicateContext,
): Promise<ReplicationResult> {
  const settings = readSettings(context.options);
  const from: TableAccess = tableAccess(source, context.source, context);
  const to: TableAccess = tableAccess(target, context.target, context);
  const tableOf = new Map<string, string>();
  let tables = 0;

  const steps: ReplicationSteps<SourceItem, TargetItem> = {
    async *partitions(ctx) {
      yield TABLES_PARTITION;
      if (ctx.mode === "template") return;
      for await (const table of listTables(from, settings)) {
        tableOf.set(tableKey(table), table);
        yield { id: tableKey(table), stage: 1, label: table };
      }
    },
    async *listSource(partition) {
      if (partition === TABLES_PARTITION || !partition) {
        for await (const table of listTables(from, settings)) {
          tables++;
          yield tableItem(source.id, table);
        }
        return;
      }
      const table = tableOf.get(partition.id)!;
      for await (const entity of listEntities(from, table)) {
        yield { ...entityItem(source.id, table, entity, settings.isSecret, context.redactor), entity };
      }
    },
    async *listTarget(partition) {
      if (partition === TABLES_PARTITION || !partition) {
        for await (const table of to.service().listTables()) {
          if (table.name) yield { kind: TABLE, key: tableKey(table.name) };
        }
        return;
      }
      const table = tableOf.get(partition.id)!;
      for await (const entity of listEntities(to, table)) {
        for (const [name, value] of Object.entries(entity.values)) {
          if (settings.isSecret(name)) context.redactor.addSecret(String(value.value));
        }
        yield targetEntity(table, entity);
      }
    },
    async readTarget(item) {
      if (item.kind === TABLE) return undefined; // creating a table that exists is a no-op
      const { table, partitionKey, rowKey } = item.properties;
      try {
        const raw = await to
          .table(table)
          .getEntity<Record<string, unknown>>(partitionKey, rowKey, { disableTypeConversion: true });
        return targetEntity(table, toTypedEntity(raw));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    plan(item, existing) {
      if (item.kind === TABLE) return existing ? { action: "skip-unchanged" } : { action: "create" };
      return planEntity(item, existing);
    },
    async apply(action) {
      const item = action.source;
      if (item.kind === TABLE) {
        await to.table(item.properties.table).createTable();
        return undefined;
      }
      await to.table(item.properties.table).upsertEntity(toSdkEntity(item.entity), "Replace");
      return undefined;
    },
    fingerprint: (item) => (item.kind === TABLE ? TABLE : item.entity.etag),
    async finish(ctx) {
      return ctx.mode === "template" && tables > 0
        ? { warnings: ["template mode: tables were created; their entities are content and were not copied"] }
        : undefined;
    },
    defaultConcurrency: 32,
  };
  return context.engine.run(steps, {
    plugin: PLUGIN_NAME,
    sourceResourceId: source.id,
    targetResourceId: target.id,
  });
}
