// Checks generated Terraform as `terraform validate` and `terraform fmt -check` would with the
// real azurerm 5.2 provider: the schema fixture for what the schema says, and the rules the
// provider checks in code (test/fixtures/README.md) for the rest.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";
import { checkProviderSchema, compareVersions, type ProviderSchemaDocument } from "@dataplane/core";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

export const AZURERM_SCHEMA = JSON.parse(
  readFileSync(join(FIXTURES, "azurerm-5.2-schema.json"), "utf8"),
) as ProviderSchemaDocument;

type Json = Record<string, unknown>;

/** The lowest azurerm version of what a Key Vault configuration uses (test/fixtures/README.md). */
function expectedFloor(configs: readonly Json[]): string {
  let floor = "3.0.0";
  const raise = (v: string) => {
    if (compareVersions(v, floor) > 0) floor = v;
  };
  for (const config of configs) {
    const resources = (config.resource ?? {}) as Record<string, Record<string, Json[]>>;
    if (resources.azurerm_key_vault_certificate_contacts) raise("3.37.0");
    for (const [body] of Object.values(resources.azurerm_key_vault_key ?? {}))
      if (body?.rotation_policy) raise("3.46.0");
    for (const [body] of Object.values(resources.azurerm_key_vault_secret ?? {}))
      if (body && ("value_wo" in body || "value_wo_version" in body)) raise("4.23.0");
  }
  return floor;
}

function isTerraform(name: string): boolean {
  return name.endsWith(".tf") || name.endsWith(".tfvars.example");
}

/**
 * Every problem `terraform validate` / `terraform fmt -check` would report on these files, one
 * line each. `sourceHosts`: hosts of the source vault, which no import id may name.
 */
export async function terraformProblems(
  files: Readonly<Record<string, string>>,
  sourceHosts: readonly string[] = [],
): Promise<string[]> {
  const problems: string[] = [];
  const configs: Json[] = [];
  for (const [name, text] of Object.entries(files)) {
    if (!isTerraform(name)) continue;
    const formatted = await format(text);
    if (formatted !== text) problems.push(`${name}: not as terraform fmt writes it`);
    configs.push((await parse(name, text)) as Json);
  }
  problems.push(...checkProviderSchema(configs, AZURERM_SCHEMA));
  for (const config of configs) {
    for (const block of (config.import ?? []) as Json[]) {
      const id = String(block.id);
      const host = new URL(id).host.toLowerCase();
      if (sourceHosts.includes(host)) problems.push(`import ${block.to}: id ${id} names the source vault`);
    }
    const terraform = (config.terraform ?? []) as Json[];
    for (const t of terraform) {
      const providers = ((t.required_providers ?? []) as Json[])[0] as Record<string, Json> | undefined;
      const version = providers?.azurerm?.version;
      if (version === undefined) continue;
      const expected = `>= ${expectedFloor(configs)}`;
      if (version !== expected) problems.push(`required_providers: azurerm ${version}, expected ${expected}`);
    }
  }
  // References to variables must all be declared.
  const declared = new Set(configs.flatMap((c) => Object.keys((c.variable ?? {}) as Json)));
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith(".tf")) continue;
    for (const m of text.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g))
      if (!declared.has(m[1]!)) problems.push(`${name}: var.${m[1]} is not declared`);
  }
  return problems;
}

/** The variable names a tfvars example mentions, commented out or not. */
export function tfvarsNames(example: string): string[] {
  return [...example.matchAll(/^(?:# )?([A-Za-z_][A-Za-z0-9_]*) = /gm)].map((m) => m[1]!);
}
