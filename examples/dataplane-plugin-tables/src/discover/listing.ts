import type { Redactor } from "@dataplane/core";
import { isNotFound, type TableAccess } from "../access/clients.js";
import { type TypedEntity, toTypedEntity } from "../entities.js";
import {
  type EdmType,
  ENTITY,
  type EntityItem,
  entityKey,
  TABLE,
  type TableItem,
  type TypedValue,
  tableKey,
} from "../items.js";
import type { NameFilter, TablesSettings } from "../options.js";

/** Streams the names of the account's tables that pass the `--tables` filter. */
export async function* listTables(access: TableAccess, settings: TablesSettings): AsyncIterable<string> {
  for await (const table of access.service().listTables()) {
    if (table.name && settings.tableFilter(table.name)) yield table.name;
  }
}

/** Streams a table's entities with every property typed; a table that does not exist has none. */
export async function* listEntities(access: TableAccess, table: string): AsyncIterable<TypedEntity> {
  try {
    const entities = access
      .table(table)
      .listEntities<Record<string, unknown>>({ disableTypeConversion: true });
    for await (const raw of entities) yield toTypedEntity(raw);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export function tableItem(resourceId: string, table: string): TableItem {
  return {
    kind: TABLE,
    key: tableKey(table),
    name: table,
    properties: { table },
    sourceResourceId: resourceId,
  };
}

/**
 * The item of one entity. Values of secret properties stay out of it; they are registered with
 * the run's redactor, so a log line or an error that quotes one is masked.
 */
export function entityItem(
  resourceId: string,
  table: string,
  entity: TypedEntity,
  isSecret: NameFilter,
  redactor: Redactor,
): EntityItem {
  const values: Record<string, TypedValue> = {};
  const secret: Record<string, EdmType> = {};
  for (const [name, value] of Object.entries(entity.values)) {
    if (isSecret(name)) {
      redactor.addSecret(String(value.value));
      secret[name] = value.type;
    } else {
      values[name] = value;
    }
  }
  return {
    kind: ENTITY,
    key: entityKey(table, entity.partitionKey, entity.rowKey),
    name: `${table}/${entity.partitionKey}/${entity.rowKey}`,
    properties: {
      table,
      partitionKey: entity.partitionKey,
      rowKey: entity.rowKey,
      timestamp: entity.timestamp,
      values,
      secret,
    },
    sourceResourceId: resourceId,
  };
}
