import type { HclBlock, HclFile } from "@dataplane/core";
import type { KeyItem, KeyRotationPolicyJson } from "../items.js";
import { type Generation, KEY_VAULT_ID_VARIABLE, nonEmptyTags, rfc3339, varRef } from "./model.js";

/** Key types and operations `azurerm_key_vault_key` accepts. */
const TERRAFORM_KEY_TYPES = new Set(["RSA", "RSA-HSM", "EC", "EC-HSM"]);
const TERRAFORM_KEY_OPS = new Set(["decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"]);

function rotationPolicy(b: HclBlock, gen: Generation, policy: KeyRotationPolicyJson): void {
  const rotate = policy.lifetimeActions.find((a) => a.action.toLowerCase() === "rotate");
  const notify = policy.lifetimeActions.find((a) => a.action.toLowerCase() === "notify");
  if (!rotate && !notify && !policy.expiresIn) return;
  gen.azurerm.needs("3.46.0", "key rotation_policy");
  b.block("rotation_policy", [], (r) => {
    r.attr("expire_after", policy.expiresIn);
    r.attr("notify_before_expiry", notify?.timeBeforeExpiry);
    if (rotate && (rotate.timeAfterCreate || rotate.timeBeforeExpiry)) {
      r.block("automatic", [], (a) => {
        a.attr("time_after_creation", rotate.timeAfterCreate);
        a.attr("time_before_expiry", rotate.timeBeforeExpiry);
      });
    }
  });
}

/** `azurerm_key_vault_key` with the source's parameters: Terraform creates NEW key material. */
export function keyResource(file: HclFile, gen: Generation, item: KeyItem): string | undefined {
  const p = item.properties;
  if (!TERRAFORM_KEY_TYPES.has(p.keyType)) {
    file.comment(
      `Key "${item.name}" (${p.keyType}) is not generated: azurerm_key_vault_key supports RSA and EC keys only.`,
    );
    gen.warn(`key ${item.name}: type ${p.keyType} cannot be expressed with azurerm_key_vault_key; left out`);
    return undefined;
  }
  const label = gen.resource("azurerm_key_vault_key", item.name);
  const ops = p.keyOps.filter((o) => TERRAFORM_KEY_OPS.has(o));
  file.block("resource", ["azurerm_key_vault_key", label], (b) => {
    b.comment(
      "Terraform creates NEW key material with these parameters: data encrypted or signed with the\n" +
        "source key cannot be decrypted or verified with this one (copy the key itself with `dataplane replicate`).",
    );
    if (!p.enabled) b.comment("Disabled in the source vault; azurerm creates keys enabled.");
    if (p.exportable)
      b.comment("Exportable with a release policy in the source; azurerm_key_vault_key cannot express it.");
    b.attr("name", item.name);
    b.attr("key_vault_id", varRef(KEY_VAULT_ID_VARIABLE));
    b.attr("key_type", p.keyType);
    b.attr("key_size", p.keyType.startsWith("RSA") ? (p.keySize ?? 2048) : undefined);
    b.attr("curve", p.keyType.startsWith("EC") ? (p.curve ?? "P-256") : undefined);
    b.attr("key_opts", ops);
    b.attr("not_before_date", rfc3339(p.notBefore));
    b.attr("expiration_date", rfc3339(p.expiresOn));
    b.attr("tags", nonEmptyTags(p.tags));
    if (p.rotationPolicy) rotationPolicy(b, gen, p.rotationPolicy);
  });
  return label;
}
