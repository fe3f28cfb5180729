import type { DataPlaneItem } from "@dataplane/core";

export const TABLE = "table";
export const ENTITY = "table-entity";
export const ITEM_KINDS = [TABLE, ENTITY];

/** The Entity Data Model types of Azure Tables. */
export type EdmType = "String" | "Boolean" | "Int32" | "Int64" | "Double" | "DateTime" | "Guid" | "Binary";

/**
 * One property value with its type. Int64, DateTime, Guid and Binary (base64) travel as strings;
 * a Double that is not finite as "NaN", "Infinity" or "-Infinity".
 */
export type TypedValue = { type: EdmType; value: string | number | boolean };

export type TableItem = DataPlaneItem<"table", { table: string }>;

export type EntityItem = DataPlaneItem<
  "table-entity",
  {
    table: string;
    partitionKey: string;
    rowKey: string;
    /** When the service last wrote the entity (ISO 8601), if it said. */
    timestamp: string | null;
    /** Property values, except the secret ones. */
    values: { [name: string]: TypedValue };
    /** Names and types of the properties whose values are secret (never written to an item). */
    secret: { [name: string]: EdmType };
  }
>;

export type TablesItem = TableItem | EntityItem;

/** Table names are case-insensitive in the service: keys use the lower-case name. */
export function tableKey(table: string): string {
  return `table/${table.toLowerCase()}`;
}

/** PartitionKey and RowKey cannot contain `/`, so this key is unambiguous. */
export function entityKey(table: string, partitionKey: string, rowKey: string): string {
  return `${tableKey(table)}/${partitionKey}/${rowKey}`;
}

export function isTablesItem(item: DataPlaneItem): item is TablesItem {
  return item.kind === TABLE || item.kind === ENTITY;
}
