import { DataplaneError, ErrorCodes, type OptionValues, type PluginOptionSpec } from "@dataplane/core";

/** Property names that usually hold secrets. */
export const DEFAULT_SECRET_PROPERTIES = "*password*,*secret*,*token*,*connectionstring*,*apikey*";

/** The flags this plugin adds to the CLI (`--<name>`). */
export const OPTION_SPECS: readonly PluginOptionSpec[] = [
  {
    name: "tables",
    description:
      "only these tables: comma-separated names, `*` as a wildcard, case-insensitive (e.g. orders,audit*)",
    type: "string",
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "secret-properties",
    description:
      "entity properties whose values are secret: never in discover output or generated code, masked in logs; comma-separated names, `*` as a wildcard, case-insensitive",
    type: "string",
    default: DEFAULT_SECRET_PROPERTIES,
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "include-entities",
    description:
      "also generate one azurerm_storage_table_entity per entity, for tables of at most --max-entities entities",
    type: "boolean",
    verbs: ["generate"],
  },
  {
    name: "max-entities",
    description: "with --include-entities: larger tables get their table resource only",
    type: "number",
    default: 100,
    verbs: ["generate"],
  },
];

export type NameFilter = (name: string) => boolean;

/** `a,b,logs*` → a case-insensitive predicate; empty or absent → `empty`. */
export function nameFilter(spec: string | undefined, empty: boolean): NameFilter {
  const patterns = (spec ?? "")
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0)
    .map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`));
  if (patterns.length === 0) return () => empty;
  return (name) => patterns.some((p) => p.test(name.toLowerCase()));
}

/** The options, parsed once per call. */
export interface TablesSettings {
  readonly tableFilter: NameFilter;
  readonly isSecret: NameFilter;
  readonly includeEntities: boolean;
  readonly maxEntities: number;
}

export function readSettings(options: OptionValues): TablesSettings {
  const text = (name: string) => (typeof options[name] === "string" ? (options[name] as string) : undefined);
  const maxEntities = options["max-entities"] === undefined ? 100 : Number(options["max-entities"]);
  if (!Number.isInteger(maxEntities) || maxEntities < 0) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `--max-entities must be a whole number ≥ 0, got ${String(options["max-entities"])}`,
      { hint: "e.g. --max-entities 100" },
    );
  }
  return {
    tableFilter: nameFilter(text("tables"), true),
    isSecret: nameFilter(text("secret-properties") ?? DEFAULT_SECRET_PROPERTIES, false),
    includeEntities: options["include-entities"] === true,
    maxEntities,
  };
}
