import {
  type DataPlaneItem,
  DataplaneError,
  ErrorCodes,
  expr,
  type GenerateContext,
  type GeneratedOutput,
  HclFile,
  ref,
  tfvarsExample,
} from "@dataplane/core";
import { isKeyVaultItem, type KeyVaultItem } from "../items.js";
import { readOptions } from "../options.js";
import { certificateResource } from "./certificates.js";
import { importIdOf, presenceKey, RESOURCE_TYPES, readTargetItems } from "./imports.js";
import { keyResource } from "./keys.js";
import { Generation, KEY_VAULT_ID_VARIABLE, SUBSCRIPTION_ID_VARIABLE } from "./model.js";
import { readme } from "./readme.js";
import { SECRET_VALUE_VERSION_VARIABLE, secretResource } from "./secrets.js";
import { contactsResource, issuerResource } from "./settings.js";

function versionsFile(gen: Generation, writeOnly: boolean, hasImports: boolean): string {
  const file = new HclFile();
  const azurerm = gen.azurerm;
  const terraform = writeOnly ? ">= 1.11" : ">= 1.5";
  file.comment(
    `azurerm ${azurerm.constraint}: the lowest version with everything used here (${azurerm.why}).\n` +
      (writeOnly
        ? "Terraform >= 1.11 for write-only secret values (value_wo) and ephemeral variables."
        : `Terraform >= 1.5${hasImports ? " for import blocks" : ""}.`),
  );
  file.block("terraform", [], (t) => {
    t.attr("required_version", terraform);
    t.block("required_providers", [], (rp) => {
      rp.attr("azurerm", { source: "hashicorp/azurerm", version: azurerm.constraint });
    });
  });
  file.block("provider", ["azurerm"], (p) => {
    p.attr("subscription_id", ref("var", SUBSCRIPTION_ID_VARIABLE));
    p.block("features", []);
  });
  return file.toString();
}

const SUBSCRIPTION_VARIABLE = {
  name: SUBSCRIPTION_ID_VARIABLE,
  description: "Subscription of the target vault (null: ARM_SUBSCRIPTION_ID from the environment)",
  example: "00000000-0000-0000-0000-000000000000",
} as const;

const KEY_VAULT_ID_DESCRIPTION = "Resource id of the vault to create the items in";
const KEY_VAULT_ID_EXAMPLE =
  "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<vault>";
const SECRET_VALUE_VERSION_DESCRIPTION =
  "Increase to write the secret values again (value_wo is never read back)";

function variablesFile(gen: Generation, hasWriteOnlySecrets: boolean): string {
  const file = new HclFile();
  file.block("variable", [KEY_VAULT_ID_VARIABLE], (v) => {
    v.attr("description", `${KEY_VAULT_ID_DESCRIPTION} (e.g. azurerm_key_vault.this.id)`);
    v.attr("type", expr("string"));
  });
  file.block("variable", [SUBSCRIPTION_ID_VARIABLE], (v) => {
    v.attr("description", SUBSCRIPTION_VARIABLE.description);
    v.attr("type", expr("string"));
    v.attr("default", null);
  });
  if (hasWriteOnlySecrets) {
    file.block("variable", [SECRET_VALUE_VERSION_VARIABLE], (v) => {
      v.attr("description", SECRET_VALUE_VERSION_DESCRIPTION);
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

function tfvarsFile(gen: Generation, hasWriteOnlySecrets: boolean): string {
  return tfvarsExample(
    [
      { name: KEY_VAULT_ID_VARIABLE, description: KEY_VAULT_ID_DESCRIPTION, example: KEY_VAULT_ID_EXAMPLE },
      { ...SUBSCRIPTION_VARIABLE, defaultValue: null },
      ...(hasWriteOnlySecrets
        ? [
            {
              name: SECRET_VALUE_VERSION_VARIABLE,
              description: SECRET_VALUE_VERSION_DESCRIPTION,
              defaultValue: 1,
            },
          ]
        : []),
      ...gen.variables.map((v) => ({
        name: v.name,
        description: v.description,
        sensitive: v.sensitive,
        ...(v.defaultValue !== undefined ? { defaultValue: v.defaultValue } : {}),
      })),
    ],
    "Copy to terraform.tfvars and fill in. Sensitive values are better passed as TF_VAR_<name>\n" +
      "environment variables so they never touch a file. No secret value is filled in here.",
  );
}

function vaultHost(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
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
  let importsWithoutTarget = 0;
  for await (const raw of items) {
    if (!isKeyVaultItem(raw)) continue;
    const item = raw;
    counts[item.kind]++;
    gen.sourceVaults.add(vaultHost(item.properties.vaultUrl));
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
    if (!present) {
      // Only the target's own item URLs may be import ids (the provider takes key_vault_id
      // from the id): without the target's items there is nothing safe to write.
      importsWithoutTarget++;
      continue;
    }
    const existing = present.get(presenceKey(item.kind, item.name));
    if (!existing) continue;
    const id = importIdOf(existing);
    if (id) gen.imports.push({ to: [RESOURCE_TYPES[item.kind], label], id });
    else missingVersions++;
  }
  if (Object.values(counts).every((n) => n === 0)) {
    gen.warn("no Key Vault items were given: nothing but the variables and versions files was generated");
  }
  const sourceImports = gen.imports.filter((i) => gen.sourceVaults.has(vaultHost(i.id)));
  if (sourceImports.length > 0) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `--import-items lists items of the source vault ${vaultHost(sourceImports[0]!.id)}: import ids must name the target vault, never the source`,
      {
        hint: "Give the items of the TARGET vault: dataplane discover <target-vault.json> --versions all --out target-items.jsonl, then --import-items target-items.jsonl",
      },
    );
  }
  if (importsWithoutTarget > 0) {
    gen.warn(
      "no import blocks were written: an import id must name the TARGET vault, which --import-blocks alone does not know. " +
        "Discover the target (dataplane discover <target-vault.json> --versions all --out target-items.jsonl) and pass --import-items target-items.jsonl",
    );
  }
  if (missingVersions > 0) {
    gen.warn(
      `${missingVersions} import blocks left out: azurerm imports secrets by versioned id, which a discovery with --versions latest does not list (discover with --versions all)`,
    );
  }

  const writeOnlySecrets = counts.secret > 0 && !options.azurermValue;
  const out: Record<string, string> = {
    "versions.tf": versionsFile(gen, writeOnlySecrets, gen.imports.length > 0),
    "variables.tf": variablesFile(gen, writeOnlySecrets),
  };
  if (!files.secrets.isEmpty) out["secrets.tf"] = files.secrets.toString();
  if (!files.keys.isEmpty) out["keys.tf"] = files.keys.toString();
  if (!files.certificates.isEmpty) out["certificates.tf"] = files.certificates.toString();
  if (!files.settings.isEmpty) out["certificate-settings.tf"] = files.settings.toString();
  if (gen.imports.length > 0) {
    const imports = new HclFile();
    const targets = [...new Set(gen.imports.map((i) => vaultHost(i.id)))].join(", ");
    imports.comment(
      `Adopt items that already exist in the target vault (${targets}) instead of creating them\n` +
        "(Terraform >= 1.5). var.key_vault_id must be that vault: the provider takes the vault from the id.",
    );
    for (const i of gen.imports) {
      imports.block("import", [], (b) => {
        b.attr("to", ref(...i.to));
        b.attr("id", i.id);
      });
    }
    out["imports.tf"] = imports.toString();
  }
  out["terraform.tfvars.example"] = tfvarsFile(gen, writeOnlySecrets);
  out["README.md"] = readme(gen, counts, writeOnlySecrets);
  return {
    files: out,
    variables: [
      {
        name: KEY_VAULT_ID_VARIABLE,
        description: KEY_VAULT_ID_DESCRIPTION,
        sensitive: false,
        type: "string",
      },
      {
        name: SUBSCRIPTION_ID_VARIABLE,
        description: `${SUBSCRIPTION_VARIABLE.description} (optional)`,
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
