import {
  type DataPlaneItem,
  expr,
  type GenerateContext,
  type GeneratedOutput,
  HclFile,
  ref,
} from "@dataplane/core";
import { isKeyVaultItem, type KeyVaultItem } from "../items.js";
import { readOptions } from "../options.js";
import { certificateResource } from "./certificates.js";
import { importIdOf, presenceKey, RESOURCE_TYPES, readTargetItems } from "./imports.js";
import { keyResource } from "./keys.js";
import { Generation, KEY_VAULT_ID_VARIABLE } from "./model.js";
import { readme } from "./readme.js";
import { SECRET_VALUE_VERSION_VARIABLE, secretResource } from "./secrets.js";
import { contactsResource, issuerResource } from "./settings.js";

function versionsFile(gen: Generation): string {
  const file = new HclFile();
  const writeOnly = !gen.options.azurermValue;
  file.comment(
    writeOnly
      ? "Write-only secret values (value_wo) need Terraform >= 1.11 and azurerm >= 4.23."
      : "Secret values with `value` (kept in state): older Terraform and azurerm versions work.",
  );
  file.block("terraform", [], (t) => {
    t.attr("required_version", writeOnly ? ">= 1.11" : ">= 1.5");
    t.block("required_providers", [], (rp) => {
      rp.attr("azurerm", { source: "hashicorp/azurerm", version: writeOnly ? ">= 4.23" : ">= 3.0" });
    });
  });
  file.block("provider", ["azurerm"], (p) => p.block("features", []));
  return file.toString();
}

function variablesFile(gen: Generation, hasWriteOnlySecrets: boolean): string {
  const file = new HclFile();
  file.block("variable", [KEY_VAULT_ID_VARIABLE], (v) => {
    v.attr("description", "Resource id of the vault to create the items in (e.g. azurerm_key_vault.this.id)");
    v.attr("type", expr("string"));
  });
  if (hasWriteOnlySecrets) {
    file.block("variable", [SECRET_VALUE_VERSION_VARIABLE], (v) => {
      v.attr("description", "Increase to write the secret values again (value_wo is never read back)");
      v.attr("type", expr("number"));
      v.attr("default", 1);
    });
  }
  for (const spec of gen.variables) {
    file.block("variable", [spec.name], (v) => {
      v.attr("description", spec.description);
      v.attr("type", expr(spec.type));
      if (spec.defaultValue !== undefined) v.attr("default", spec.defaultValue);
      if (spec.sensitive) v.attr("sensitive", true);
      if (spec.ephemeral) v.attr("ephemeral", true);
    });
  }
  return file.toString();
}

function tfvarsExample(gen: Generation): string {
  const file = new HclFile();
  file.comment(
    "Copy to terraform.tfvars and fill in, or better, pass the sensitive ones as TF_VAR_<name>\n" +
      "environment variables so they never touch a file. No value is filled in here on purpose.",
  );
  file.attr(KEY_VAULT_ID_VARIABLE, "");
  for (const spec of gen.variables) {
    if (spec.required) file.attr(spec.name, "");
  }
  return file.toString();
}

/**
 * Terraform for a vault's items: one file per item kind, `variables.tf` (the vault id, one
 * sensitive variable per secret value), `versions.tf`, `terraform.tfvars.example`, optional
 * `imports.tf`, and a README saying what to supply. No secret value is ever written.
 */
export async function generateTerraform(
  items: AsyncIterable<DataPlaneItem> | Iterable<DataPlaneItem>,
  context: GenerateContext,
): Promise<GeneratedOutput> {
  const options = readOptions(context.options);
  const gen = new Generation(options, context.mode === "template");
  const present = options.importItems ? await readTargetItems(options.importItems) : undefined;
  const files = {
    secrets: new HclFile(),
    keys: new HclFile(),
    certificates: new HclFile(),
    settings: new HclFile(),
  };
  const counts: Record<KeyVaultItem["kind"], number> = {
    secret: 0,
    key: 0,
    certificate: 0,
    "certificate-issuer": 0,
    "certificate-contacts": 0,
  };
  let missingVersions = 0;
  for await (const raw of items) {
    if (!isKeyVaultItem(raw)) continue;
    const item = raw;
    counts[item.kind]++;
    let label: string | undefined;
    switch (item.kind) {
      case "secret":
        label = secretResource(files.secrets, gen, item);
        break;
      case "key":
        label = keyResource(files.keys, gen, item);
        break;
      case "certificate":
        label = certificateResource(files.certificates, gen, item);
        break;
      case "certificate-issuer":
        label = issuerResource(files.settings, gen, item);
        break;
      case "certificate-contacts":
        label = contactsResource(files.settings, gen, item);
        break;
    }
    if (!label || !options.importBlocks) continue;
    const existing = present ? present.get(presenceKey(item.kind, item.name)) : item;
    if (!existing) continue;
    const id = importIdOf(existing);
    if (id) gen.imports.push({ to: [RESOURCE_TYPES[item.kind], label], id });
    else missingVersions++;
  }
  if (Object.values(counts).every((n) => n === 0)) {
    gen.warn("no Key Vault items were given: nothing but the variables and versions files was generated");
  }
  if (missingVersions > 0) {
    gen.warn(
      `${missingVersions} import blocks left out: azurerm imports secrets by versioned id, which a discovery with --versions latest does not list (discover with --versions all)`,
    );
  }

  const writeOnlySecrets = counts.secret > 0 && !options.azurermValue;
  const out: Record<string, string> = {
    "versions.tf": versionsFile(gen),
    "variables.tf": variablesFile(gen, writeOnlySecrets),
  };
  if (!files.secrets.isEmpty) out["secrets.tf"] = files.secrets.toString();
  if (!files.keys.isEmpty) out["keys.tf"] = files.keys.toString();
  if (!files.certificates.isEmpty) out["certificates.tf"] = files.certificates.toString();
  if (!files.settings.isEmpty) out["certificate-settings.tf"] = files.settings.toString();
  if (gen.imports.length > 0) {
    const imports = new HclFile();
    imports.comment(
      "Adopt items that already exist in the vault instead of creating them (Terraform >= 1.5).",
    );
    for (const i of gen.imports) {
      imports.block("import", [], (b) => {
        b.attr("to", ref(...i.to));
        b.attr("id", i.id);
      });
    }
    out["imports.tf"] = imports.toString();
  }
  out["terraform.tfvars.example"] = tfvarsExample(gen);
  out["README.md"] = readme(gen, counts, writeOnlySecrets);
  return {
    files: out,
    variables: [
      {
        name: KEY_VAULT_ID_VARIABLE,
        description: "Resource id of the vault to create the items in",
        sensitive: false,
        type: "string",
      },
      ...gen.variables.map((v) => ({
        name: v.name,
        description: v.required ? v.description : `${v.description} (optional)`,
        sensitive: v.sensitive,
        type: v.type,
        ...(v.ephemeral ? { ephemeral: true } : {}),
      })),
    ],
    warnings: gen.warnings,
  };
}
