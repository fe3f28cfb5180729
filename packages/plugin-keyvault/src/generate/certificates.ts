import type { HclBlock, HclFile } from "@dataplane/core";
import type { CertificateItem, CertificatePolicyJson } from "../items.js";
import { type Generation, KEY_VAULT_ID_VARIABLE, nonEmptyTags, varRef } from "./model.js";

const PFX = "application/x-pkcs12";

const PEM = "application/x-pem-file";

/**
 * `certificate_policy`. `full`: everything Key Vault needs to create the certificate; otherwise
 * (an import) only what says how to read and store it: issuer, key and content type.
 */
function policyBlock(
  b: HclBlock,
  policy: CertificatePolicyJson,
  gen: Generation,
  name: string,
  full: boolean,
): void {
  const keyType = policy.keyType ?? "RSA";
  const isEc = keyType.startsWith("EC");
  // An imported certificate's policy names the issuer "Unknown": creating from it would leave a
  // pending request that nobody completes, so a created certificate is self-signed instead.
  const issuer = full && (policy.issuerName ?? "Self") === "Unknown" ? "Self" : (policy.issuerName ?? "Self");
  b.block("certificate_policy", [], (cp) => {
    cp.block("issuer_parameters", [], (i) => i.attr("name", issuer));
    cp.block("key_properties", [], (k) => {
      k.attr("exportable", policy.exportable ?? true);
      k.attr("key_type", keyType);
      k.attr("key_size", isEc ? undefined : (policy.keySize ?? 2048));
      k.attr("curve", isEc ? (policy.keyCurveName ?? "P-256") : undefined);
      k.attr("reuse_key", policy.reuseKey ?? false);
    });
    if (full) {
      for (const action of policy.lifetimeActions ?? []) {
        cp.block("lifetime_action", [], (la) => {
          la.block("action", [], (a) => a.attr("action_type", action.action));
          la.block("trigger", [], (t) => {
            t.attr("days_before_expiry", action.daysBeforeExpiry);
            t.attr("lifetime_percentage", action.lifetimePercentage);
          });
        });
      }
    }
    cp.block("secret_properties", [], (s) => s.attr("content_type", policy.contentType ?? PFX));
    if (!full) return;
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
 * `--certificate-import` imported from variables: the exported certificate with its private key
 * (`contents`: base64 PFX or PEM text, as the source's content type says; a PFX `password`). A
 * non-exportable certificate cannot be imported (Key Vault never hands out its private key): it
 * is created from its policy with a new key, and the comment and the README say so.
 */
export function certificateResource(
  file: HclFile,
  gen: Generation,
  item: CertificateItem,
): string | undefined {
  const p = item.properties;
  const label = gen.resource("azurerm_key_vault_certificate", item.name);
  const exportable = p.policy.exportable !== false;
  const wanted = gen.options.certificateImport && !gen.template;
  const imported = wanted && exportable;
  if (wanted && !exportable) gen.notExportable.push(item.name);
  const pem = p.policy.contentType === PEM;
  let contents: string | undefined;
  let password: string | undefined;
  if (imported) {
    contents = gen.variable(`certificate_${item.name}_contents`, {
      description: pem
        ? `Certificate "${item.name}" with its private key as PEM text, as \`az keyvault secret show --vault-name <source> --name ${item.name} --query value -o tsv\` prints it`
        : `Certificate "${item.name}" with its private key as a base64-encoded PFX, as \`az keyvault secret show --vault-name <source> --name ${item.name} --query value -o tsv\` prints it`,
      type: "string",
      sensitive: true,
    });
    if (!pem) {
      password = gen.variable(`certificate_${item.name}_password`, {
        description: `Password of the PFX of certificate "${item.name}" (null: none, as Key Vault exports it)`,
        type: "string",
        sensitive: true,
        defaultValue: null,
      });
    }
  }
  file.block("resource", ["azurerm_key_vault_certificate", label], (b) => {
    if (imported) {
      b.comment(
        `Imported from var.${contents} (${pem ? "PEM text" : "base64 PFX"}, sensitive, kept in Terraform state).`,
      );
    } else {
      const issuer = p.policy.issuerName ?? "Self";
      if (wanted) {
        b.comment(
          "Not exportable in the source: Key Vault never hands out its private key, so it cannot be\n" +
            `imported. A NEW certificate and key are created from the source's policy instead${issuer === "Self" || issuer === "Unknown" ? "" : `,\nrequested from the issuer "${issuer}"`}.`,
        );
      } else {
        b.comment(
          issuer === "Unknown"
            ? "Imported into the source (issuer Unknown): a new self-signed certificate and key are created with its policy."
            : issuer !== "Self"
              ? `Issued by "${issuer}": a new certificate is requested from that issuer with this policy.`
              : "A new self-signed certificate and key are created from the source's policy.",
        );
      }
    }
    if (!p.enabled) b.comment("Disabled in the source vault; azurerm creates certificates enabled.");
    b.attr("name", item.name);
    b.attr("key_vault_id", varRef(KEY_VAULT_ID_VARIABLE));
    if (imported && contents) {
      b.block("certificate", [], (c) => {
        c.attr("contents", varRef(contents));
        c.attr("password", password ? varRef(password) : undefined);
      });
      // PEM needs the policy to say so (the provider assumes PFX); a PFX carries its own.
      if (pem) policyBlock(b, p.policy, gen, item.name, false);
    } else {
      policyBlock(b, p.policy, gen, item.name, true);
    }
    b.attr("tags", nonEmptyTags(p.tags));
  });
  return label;
}
