import type { HclBlock, HclFile } from "@dataplane/core";
import type { CertificateItem, CertificatePolicyJson } from "../items.js";
import { type Generation, KEY_VAULT_ID_VARIABLE, nonEmptyTags, varRef } from "./model.js";

const PFX = "application/x-pkcs12";

function policyBlock(b: HclBlock, policy: CertificatePolicyJson, gen: Generation, name: string): void {
  const keyType = policy.keyType ?? "RSA";
  const isEc = keyType.startsWith("EC");
  b.block("certificate_policy", [], (cp) => {
    cp.block("issuer_parameters", [], (i) => i.attr("name", policy.issuerName ?? "Self"));
    cp.block("key_properties", [], (k) => {
      k.attr("exportable", policy.exportable ?? true);
      k.attr("key_type", keyType);
      k.attr("key_size", isEc ? undefined : (policy.keySize ?? 2048));
      k.attr("curve", isEc ? (policy.keyCurveName ?? "P-256") : undefined);
      k.attr("reuse_key", policy.reuseKey ?? false);
    });
    for (const action of policy.lifetimeActions ?? []) {
      cp.block("lifetime_action", [], (la) => {
        la.block("action", [], (a) => a.attr("action_type", action.action));
        la.block("trigger", [], (t) => {
          t.attr("days_before_expiry", action.daysBeforeExpiry);
          t.attr("lifetime_percentage", action.lifetimePercentage);
        });
      });
    }
    cp.block("secret_properties", [], (s) => s.attr("content_type", policy.contentType ?? PFX));
    cp.block("x509_certificate_properties", [], (x) => {
      x.attr("extended_key_usage", policy.enhancedKeyUsage);
      x.attr("key_usage", policy.keyUsage ?? []);
      x.attr("subject", policy.subject ?? `CN=${name}`);
      x.attr("validity_in_months", policy.validityInMonths ?? 12);
      const sans = policy.subjectAlternativeNames;
      if (sans && (sans.dnsNames || sans.emails || sans.userPrincipalNames)) {
        x.block("subject_alternative_names", [], (s) => {
          s.attr("dns_names", sans.dnsNames);
          s.attr("emails", sans.emails);
          s.attr("upns", sans.userPrincipalNames);
        });
      }
      if (sans?.ipAddresses || sans?.uniformResourceIdentifiers) {
        x.comment("The source also has IP address or URI SANs, which azurerm cannot express.");
        gen.warn(`certificate ${name}: IP address and URI SANs are not expressible in azurerm; left out`);
      }
    });
  });
}

/**
 * `azurerm_key_vault_certificate` from the source's policy (a new certificate and key), or with
 * `--certificate-import` imported from variables (`contents`, `password`).
 */
export function certificateResource(
  file: HclFile,
  gen: Generation,
  item: CertificateItem,
): string | undefined {
  const p = item.properties;
  const label = gen.resource("azurerm_key_vault_certificate", item.name);
  const imported = gen.options.certificateImport && !gen.template;
  let contents: string | undefined;
  let password: string | undefined;
  if (imported) {
    const format = p.policy.contentType === "application/x-pem-file" ? "PEM text" : "base64 PFX";
    contents = gen.variable(`certificate_${item.name}_contents`, {
      description: `Certificate "${item.name}" with its private key (${format}), e.g. az keyvault secret download --encoding base64`,
      type: "string",
      sensitive: true,
    });
    password = gen.variable(`certificate_${item.name}_password`, {
      description: `Password of the PFX for certificate "${item.name}" (leave null when it has none)`,
      type: "string",
      sensitive: true,
      defaultValue: null,
    });
  }
  file.block("resource", ["azurerm_key_vault_certificate", label], (b) => {
    if (!imported) {
      b.comment(
        p.policy.issuerName && p.policy.issuerName !== "Self"
          ? `Issued by "${p.policy.issuerName}": a new certificate is requested from that issuer with this policy.`
          : "A new self-signed certificate and key are created from the source's policy.",
      );
    } else {
      b.comment("Imported from var.* (contents and password are sensitive and kept in Terraform state).");
    }
    if (!p.enabled) b.comment("Disabled in the source vault; azurerm creates certificates enabled.");
    b.attr("name", item.name);
    b.attr("key_vault_id", varRef(KEY_VAULT_ID_VARIABLE));
    if (imported && contents && password) {
      b.block("certificate", [], (c) => {
        c.attr("contents", varRef(contents));
        c.attr("password", varRef(password));
      });
    } else {
      policyBlock(b, p.policy, gen, item.name);
    }
    b.attr("tags", nonEmptyTags(p.tags));
  });
  return label;
}
