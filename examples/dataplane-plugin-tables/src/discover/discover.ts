import type { AzureResource, DiscoverContext } from "@dataplane/core";
import { tableAccess } from "../access/clients.js";
import type { TablesItem } from "../items.js";
import { readSettings } from "../options.js";
import { entityItem, listEntities, listTables, tableItem } from "./listing.js";

/** Streams each table, then its entities: nothing is held beyond the page being read. */
export async function* discoverTables(
  resource: AzureResource,
  context: DiscoverContext,
): AsyncGenerator<TablesItem> {
  const settings = readSettings(context.options);
  const access = tableAccess(resource, context.access, context);
  for await (const table of listTables(access, settings)) {
    yield tableItem(resource.id, table);
    for await (const entity of listEntities(access, table)) {
      yield entityItem(resource.id, table, entity, settings.isSecret, context.redactor);
    }
  }
}
