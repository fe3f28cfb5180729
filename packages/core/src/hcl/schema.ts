/**
 * Checks Terraform configuration against a provider's schema, the document
 * `terraform providers schema -json` prints: every argument and nested block must exist, every
 * required one must be present, none may be read-only (computed only) or deprecated, and nested
 * blocks keep their minimum and maximum counts. What a provider checks in its code (allowed
 * values, cross-argument rules) is not in the schema and not checked here.
 *
 * The configuration is given in the JSON form HashiCorp's `hcl2json` produces (blocks as arrays
 * of objects, expressions as `${…}` strings), so this needs no HCL parser of its own.
 */

/** One attribute of a schema block. */
export interface SchemaAttribute {
  readonly type?: unknown;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  readonly deprecated?: boolean;
  readonly write_only?: boolean;
}

/** A schema block: its attributes and nested block types. */
export interface SchemaBlock {
  readonly attributes?: Readonly<Record<string, SchemaAttribute>>;
  readonly block_types?: Readonly<Record<string, SchemaBlockType>>;
  readonly deprecated?: boolean;
}

export interface SchemaBlockType {
  readonly nesting_mode: "single" | "group" | "list" | "set" | "map";
  readonly block: SchemaBlock;
  readonly min_items?: number;
  readonly max_items?: number;
}

/** The output of `terraform providers schema -json` (the parts used here). */
export interface ProviderSchemaDocument {
  readonly provider_schemas: Readonly<
    Record<
      string,
      {
        readonly provider?: { readonly block: SchemaBlock };
        readonly resource_schemas?: Readonly<Record<string, { readonly block: SchemaBlock }>>;
      }
    >
  >;
}

/** Arguments Terraform itself gives every resource block. */
const RESOURCE_META_ARGUMENTS = new Set(["count", "for_each", "provider", "depends_on", "lifecycle"]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isExpression(value: unknown): boolean {
  return typeof value === "string" && /^\$\{[\s\S]*\}$/.test(value);
}

function typeProblem(type: unknown, value: unknown): string | undefined {
  if (value === null || isExpression(value)) return undefined;
  const kind = Array.isArray(type) ? type[0] : type;
  switch (kind) {
    case "string":
      return ["string", "number", "boolean"].includes(typeof value) ? undefined : "a string";
    case "number":
      return typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))
        ? undefined
        : "a number";
    case "bool":
      return typeof value === "boolean" || value === "true" || value === "false" ? undefined : "a bool";
    case "list":
    case "set":
      return Array.isArray(value) ? undefined : `a ${kind}`;
    case "map":
    case "object":
      return isObject(value) ? undefined : `a ${kind}`;
    default:
      return undefined;
  }
}

function checkBlock(
  body: Json,
  block: SchemaBlock,
  where: string,
  problems: string[],
  resource: boolean,
): void {
  const attributes = block.attributes ?? {};
  const blockTypes = block.block_types ?? {};
  for (const [name, value] of Object.entries(body)) {
    if (resource && RESOURCE_META_ARGUMENTS.has(name)) continue;
    const attribute = attributes[name];
    if (attribute) {
      if (attribute.computed && !attribute.optional && !attribute.required)
        problems.push(`${where}: ${name} is read-only (computed by the provider)`);
      if (attribute.deprecated) problems.push(`${where}: ${name} is deprecated`);
      const wrong = typeProblem(attribute.type, value);
      if (wrong) problems.push(`${where}: ${name} must be ${wrong}`);
      continue;
    }
    const blockType = blockTypes[name];
    if (!blockType) {
      problems.push(`${where}: ${name} is not an argument or block of this type`);
      continue;
    }
    const instances = Array.isArray(value) ? value : [value];
    if (blockType.block.deprecated) problems.push(`${where}: block ${name} is deprecated`);
    if (
      blockType.max_items !== undefined &&
      blockType.max_items > 0 &&
      instances.length > blockType.max_items
    )
      problems.push(`${where}: at most ${blockType.max_items} ${name} block(s), not ${instances.length}`);
    instances.forEach((instance, i) => {
      if (!isObject(instance)) {
        problems.push(`${where}: ${name} must be a block`);
        return;
      }
      checkBlock(instance, blockType.block, `${where}.${name}[${i}]`, problems, false);
    });
  }
  for (const [name, attribute] of Object.entries(attributes)) {
    if (attribute.required && !(name in body)) problems.push(`${where}: ${name} is required`);
  }
  for (const [name, blockType] of Object.entries(blockTypes)) {
    const value = body[name];
    const count = value === undefined ? 0 : Array.isArray(value) ? value.length : 1;
    if (blockType.min_items !== undefined && count < blockType.min_items)
      problems.push(`${where}: at least ${blockType.min_items} ${name} block(s) are required`);
  }
}

/**
 * Checks the `resource` and `provider` blocks of one or more files (each in hcl2json's form)
 * against a provider schema; returns one line per problem, none when everything fits.
 * Resource types the schema does not have are reported unless `knownOnly` lists prefixes to
 * check (e.g. `["azurerm_"]`), in which case other types are left alone.
 */
export function checkProviderSchema(
  configs: readonly Json[],
  document: ProviderSchemaDocument,
  provider = "registry.terraform.io/hashicorp/azurerm",
  options: { readonly knownOnly?: readonly string[] } = {},
): string[] {
  const schema = document.provider_schemas[provider];
  if (!schema) return [`the schema document has no provider ${provider}`];
  const local = provider.split("/").at(-1) ?? provider;
  const problems: string[] = [];
  for (const config of configs) {
    const resources = isObject(config.resource) ? config.resource : {};
    for (const [type, byLabel] of Object.entries(resources)) {
      const resourceSchema = schema.resource_schemas?.[type];
      if (!resourceSchema) {
        if (!options.knownOnly || options.knownOnly.some((p) => type.startsWith(p)))
          problems.push(`resource type ${type} is not in the schema`);
        continue;
      }
      for (const [label, bodies] of Object.entries(isObject(byLabel) ? byLabel : {})) {
        for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
          if (isObject(body)) checkBlock(body, resourceSchema.block, `${type}.${label}`, problems, true);
        }
      }
    }
    const providers = isObject(config.provider) ? config.provider : {};
    const configured = providers[local];
    if (configured !== undefined && schema.provider) {
      for (const body of Array.isArray(configured) ? configured : [configured]) {
        if (isObject(body)) checkBlock(body, schema.provider.block, `provider.${local}`, problems, false);
      }
    }
  }
  return problems;
}
