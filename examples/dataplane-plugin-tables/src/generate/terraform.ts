import {
  type DataPlaneItem,
  DataplaneError,
  ErrorCodes,
  expr,
  type GenerateContext,
  type GeneratedOutput,
  HclFile,
  type HclValue,
  type IacFormat,
  IdentifierAllocator,
  parseResourceId,
  type RequiredVariable,
  ref,
} from "@dataplane/core";
import { type EntityItem, isTablesItem, type TypedValue } from "../items.js";
import { readSettings } from "../options.js";

const TABLE_RESOURCE = "azurerm_storage_table";
const ENTITY_RESOURCE = "azurerm_storage_table_entity";

const ACCOUNT_ID: RequiredVariable = {
  name: "storage_account_id",
  description: "Resource id of the target storage account",
  sensitive: false,
  type: "string",
};

/** azurerm's `entity` is a map of strings; other types are named by an `<name>@odata.type` key. */
function entityValue(value: TypedValue): string {
  return typeof value.value === "string" ? value.value : String(value.value);
}

function versionsTf(): string {
  const file = new HclFile();
  file.block("terraform", [], (t) => {
    t.attr("required_version", ">= 1.5");
    t.block("required_providers", [], (r) =>
      r.attr("azurerm", { source: "hashicorp/azurerm", version: ">= 4.20, < 5.0" }),
    );
  });
  file.block("provider", ["azurerm"], (p) => {
    p.comment(
      "Table data-plane calls with Entra ID (Storage Table Data Contributor) instead of account keys.",
    );
    p.attr("storage_use_azuread", true);
    p.block("features", []);
  });
  return file.toString();
}

function tfvarsExample(variables: readonly RequiredVariable[]): string {
  const lines = [
    "# Copy to terraform.tfvars and fill in. Set sensitive values in the environment",
    "# (TF_VAR_<name>) rather than in a file; never commit them.",
  ];
  for (const v of variables)
    lines.push("", `# ${v.description}${v.sensitive ? " (sensitive)" : ""}`, `${v.name} = ""`);
  return `${lines.join("\n")}\n`;
}

/**
 * Terraform for the tables, and with `--include-entities` for the entities of small tables.
 * Secret property values never reach the items, so each becomes a sensitive variable.
 */
export async function generateTerraform(
  items: AsyncIterable<DataPlaneItem> | Iterable<DataPlaneItem>,
  format: IacFormat,
  context: GenerateContext,
): Promise<GeneratedOutput> {
  if (format !== "terraform") {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `the tables plugin generates terraform only, not ${format}`,
      {
        hint: "Use --format terraform",
      },
    );
  }
  const settings = readSettings(context.options);
  const ids = new IdentifierAllocator();
  ids.allocate(ACCOUNT_ID.name, "variable");
  const tableIds = new Map<string, string>();
  const tablesTf = new HclFile();
  // Entities wait here until their table is known to be small enough; larger tables drop theirs.
  const pending = new Map<string, EntityItem[] | "too-many">();
  let account = "";

  for await (const item of items) {
    if (!isTablesItem(item)) continue;
    if (!account) account = parseResourceId(item.sourceResourceId).name ?? "";
    if (item.kind === "table") {
      const id = ids.allocate(item.properties.table, TABLE_RESOURCE);
      tableIds.set(item.properties.table.toLowerCase(), id);
      tablesTf.block("resource", [TABLE_RESOURCE, id], (b) => {
        b.attr("name", item.properties.table);
        b.attr("storage_account_id", ref("var", ACCOUNT_ID.name));
      });
    } else if (settings.includeEntities) {
      const table = item.properties.table.toLowerCase();
      const list = pending.get(table) ?? [];
      if (list === "too-many") continue;
      list.push(item);
      pending.set(table, list.length > settings.maxEntities ? "too-many" : list);
    }
  }

  const variables: RequiredVariable[] = [ACCOUNT_ID];
  const warnings: string[] = [];
  const entitiesTf = new HclFile();
  for (const [table, list] of pending) {
    const tableId = tableIds.get(table);
    if (list === "too-many") {
      warnings.push(
        `table ${table} has more than ${settings.maxEntities} entities: only its table is generated; copy its entities with dataplane replicate`,
      );
      continue;
    }
    if (!tableId) {
      warnings.push(`table ${table}: its entities were discovered without the table; left out`);
      continue;
    }
    for (const item of list) {
      const { partitionKey, rowKey, values, secret } = item.properties;
      const id = ids.allocate(`${table}/${partitionKey}/${rowKey}`, ENTITY_RESOURCE);
      const entity: Record<string, HclValue> = {};
      for (const [name, value] of Object.entries(values)) {
        entity[name] = entityValue(value);
        if (value.type !== "String") entity[`${name}@odata.type`] = `Edm.${value.type}`;
      }
      for (const [name, type] of Object.entries(secret)) {
        const variable: RequiredVariable = {
          name: ids.allocate(`${table}_${partitionKey}_${rowKey}_${name}`, "variable"),
          description: `Value of property ${name} of entity (${partitionKey}, ${rowKey}) in table ${table}`,
          sensitive: true,
          type: "string",
        };
        variables.push(variable);
        entity[name] = ref("var", variable.name);
        if (type !== "String") entity[`${name}@odata.type`] = `Edm.${type}`;
      }
      entitiesTf.block("resource", [ENTITY_RESOURCE, id], (b) => {
        b.attr("storage_table_id", ref(TABLE_RESOURCE, tableId, "id"));
        b.attr("partition_key", partitionKey);
        b.attr("row_key", rowKey);
        b.attr("entity", entity);
      });
    }
  }

  const variablesTf = new HclFile();
  for (const v of variables) {
    variablesTf.block("variable", [v.name], (b) => {
      b.attr("description", v.description);
      b.attr("type", expr(v.type ?? "string"));
      if (v.sensitive) b.attr("sensitive", true);
    });
  }
  const files: Record<string, string> = {
    "versions.tf": versionsTf(),
    "variables.tf": variablesTf.toString(),
    "terraform.tfvars.example": tfvarsExample(variables),
  };
  if (!tablesTf.isEmpty) files["tables.tf"] = tablesTf.toString();
  if (!entitiesTf.isEmpty) files["entities.tf"] = entitiesTf.toString();
  if (account && tablesTf.isEmpty) warnings.push(`no tables were discovered in ${account}`);
  return { files, variables, warnings };
}
