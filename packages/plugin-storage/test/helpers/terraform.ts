// Checks generated Terraform as `terraform validate` and `terraform fmt -check` would with the
// real azurerm 5.2 provider: the schema fixture for what the schema says, and the rules the
// provider checks in code (test/fixtures/README.md) for the rest.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";
import { checkProviderSchema, compareVersions, type ProviderSchemaDocument } from "@dataplane/core";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

export const AZURERM_SCHEMA = JSON.parse(
  readFileSync(join(FIXTURES, "azurerm-5.2-schema.json"), "utf8"),
) as ProviderSchemaDocument;

type Json = Record<string, unknown>;

/** C# keywords: azurerm refuses them as metadata keys (its validator, written out independently). */
const CSHARP = new Set(
  `abstract as base bool break byte case catch char checked class const continue decimal default delegate
  do double else enum event explicit extern false finally fixed float for foreach goto if implicit in int
  interface internal is lock long namespace new null object operator out override params private protected
  public readonly ref return sbyte sealed short sizeof stackalloc static string struct switch this throw true
  try typeof uint ulong unchecked unsafe ushort using virtual void volatile while`.split(/\s+/),
);

function metadataProblems(where: string, metadata: unknown): string[] {
  if (metadata === undefined) return [];
  return Object.keys(metadata as Json)
    .filter((k) => !/^[a-z_][a-z0-9_]+$/.test(k) || CSHARP.has(k))
    .map((k) => `${where}: metadata key ${JSON.stringify(k)} is refused by azurerm`);
}

function isTerraform(name: string): boolean {
  return name.endsWith(".tf") || name.endsWith(".tfvars.example");
}

/** Every problem `terraform validate` / `terraform fmt -check` would report, one line each. */
export async function terraformProblems(files: Readonly<Record<string, string>>): Promise<string[]> {
  const problems: string[] = [];
  const configs: Json[] = [];
  for (const [name, text] of Object.entries(files)) {
    if (!isTerraform(name)) continue;
    if ((await format(text)) !== text) problems.push(`${name}: not as terraform fmt writes it`);
    configs.push((await parse(name, text)) as Json);
  }
  problems.push(...checkProviderSchema(configs, AZURERM_SCHEMA));
  let floor = "4.9.0";
  const raise = (v: string) => {
    if (compareVersions(v, floor) > 0) floor = v;
  };
  for (const config of configs) {
    const resources = (config.resource ?? {}) as Record<string, Record<string, Json[]>>;
    for (const [type, byLabel] of Object.entries(resources)) {
      for (const [label, [body]] of Object.entries(byLabel)) {
        const where = `${type}.${label}`;
        problems.push(...metadataProblems(where, body?.metadata));
        if (
          type === "azurerm_storage_container" &&
          !/^(\$root|\$web|[a-z0-9-]{3,63})$/.test(String(body?.name))
        )
          problems.push(`${where}: container name ${body?.name} is refused by azurerm`);
        if (type === "azurerm_storage_blob") {
          raise("4.77.0");
          if (
            body?.access_tier !== undefined &&
            !["Archive", "Cool", "Hot"].includes(String(body.access_tier))
          )
            problems.push(`${where}: access_tier ${body.access_tier} is refused by azurerm`);
        }
        if (body && "storage_share_url" in body) raise("4.54.0");
      }
    }
  }
  for (const config of configs) {
    for (const t of (config.terraform ?? []) as Json[]) {
      const providers = ((t.required_providers ?? []) as Json[])[0] as Record<string, Json> | undefined;
      const version = providers?.azurerm?.version;
      if (version !== undefined && version !== `>= ${floor}`)
        problems.push(`required_providers: azurerm ${version}, expected >= ${floor}`);
    }
  }
  const declared = new Set(configs.flatMap((c) => Object.keys((c.variable ?? {}) as Json)));
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith(".tf")) continue;
    for (const m of text.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g))
      if (!declared.has(m[1]!)) problems.push(`${name}: var.${m[1]} is not declared`);
  }
  return problems;
}

/** The files of a folder written by `dataplane generate`, by relative path. */
export function readFolder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return out;
}

/** The variable names a tfvars example mentions, commented out or not. */
export function tfvarsNames(example: string): string[] {
  return [...example.matchAll(/^(?:# )?([A-Za-z_][A-Za-z0-9_]*) = /gm)].map((m) => m[1]!);
}
