import { expr, type HclFile } from "@dataplane/core";
import type { SecretItem } from "../items.js";
import { PLACEHOLDER_TAG, PLACEHOLDER_VALUE } from "../replicate/placeholder.js";
import { type Generation, KEY_VAULT_ID_VARIABLE, nonEmptyTags, rfc3339, varRef } from "./model.js";

export const SECRET_VALUE_VERSION_VARIABLE = "secret_value_version";

/**
 * `azurerm_key_vault_secret`: by default the value is write-only (`value_wo`, never in state)
 * from an ephemeral sensitive variable per secret; `--azurerm-value` uses `value` instead.
 * Template mode writes a placeholder and tags it, like `replicate --mode template`.
 */
export function secretResource(file: HclFile, gen: Generation, item: SecretItem): string | undefined {
  const p = item.properties;
  const label = gen.resource("azurerm_key_vault_secret", item.name);
  const writeOnly = !gen.options.azurermValue;
  if (writeOnly) gen.azurerm.needs("4.23.0", "write-only secret values, value_wo");
  let value: ReturnType<typeof varRef> | string;
  if (gen.template) {
    value = PLACEHOLDER_VALUE;
  } else {
    const variable = gen.variable(`secret_${item.name}`, {
      description: `Value of the Key Vault secret "${item.name}"${p.contentType ? ` (${p.contentType})` : ""}`,
      type: "string",
      sensitive: true,
      ...(writeOnly ? { ephemeral: true } : {}),
    });
    value = varRef(variable);
  }
  const tags = gen.template ? { ...p.tags, [PLACEHOLDER_TAG]: "true" } : p.tags;
  file.block("resource", ["azurerm_key_vault_secret", label], (b) => {
    if (!p.enabled) {
      b.comment(
        "Disabled in the source vault. azurerm cannot create a disabled secret: disable it after apply\n" +
          `(az keyvault secret set-attributes --vault-name <vault> --name ${item.name} --enabled false).`,
      );
    }
    if (p.versions && p.versions.length > 1) {
      b.comment(`The source has ${p.versions.length} versions; Terraform manages the current one only.`);
    }
    b.attr("name", item.name);
    b.attr("key_vault_id", varRef(KEY_VAULT_ID_VARIABLE));
    if (writeOnly) {
      b.attr("value_wo", value);
      b.attr("value_wo_version", varRef(SECRET_VALUE_VERSION_VARIABLE));
    } else {
      b.attr("value", value);
    }
    b.attr("content_type", p.contentType);
    b.attr("not_before_date", rfc3339(p.notBefore));
    b.attr("expiration_date", rfc3339(p.expiresOn));
    b.attr("tags", nonEmptyTags(tags));
    if (gen.template && !writeOnly) {
      // The placeholder is only a start: a value filled in later must not be reset.
      b.block("lifecycle", [], (l) => l.attr("ignore_changes", [expr("value")]));
    }
  });
  if (!p.enabled)
    gen.warn("some secrets are disabled in the source: azurerm creates them enabled (see the comments)");
  return label;
}
