import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import type { GeneratedOutput } from "@dataplane/core";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultItem, keyVaultPlugin, type SecretItem } from "../src/index.js";
import { LONGEST_NAME, type SeededVault, seedVault } from "./helpers/seed.js";
import {
  capturingSession,
  collect,
  sideAccess,
  startVaults,
  vaultConfig,
  vaultResource,
} from "./helpers/vaults.js";

type Json = Record<string, unknown>;

let emulator: KeyVaultEmulator;
let seeded: SeededVault;
let items: KeyVaultItem[];
let itemsAll: KeyVaultItem[];
let dir: string;

async function generate(
  from: Iterable<KeyVaultItem> | AsyncIterable<KeyVaultItem>,
  options: Record<string, string | boolean> = {},
  mode: "replication" | "template" = "replication",
): Promise<GeneratedOutput> {
  const { session } = capturingSession();
  return keyVaultPlugin.generate(from, "terraform", session.generateContext(mode, options));
}

/** Parses every .tf file with HashiCorp's HCL parser and merges the results. */
async function parseAll(output: GeneratedOutput): Promise<Record<string, Json>> {
  const merged: Record<string, Json> = {};
  for (const [name, content] of Object.entries(output.files)) {
    if (!name.endsWith(".tf") && !name.endsWith(".tfvars.example")) continue;
    const json = (await parse(name, content)) as Record<string, Json>;
    for (const [block, body] of Object.entries(json)) {
      if (Array.isArray(body)) {
        merged[block] = { ...(merged[block] ?? {}), [name]: body } as Json;
      } else if (typeof body === "object" && body) {
        merged[block] = { ...(merged[block] ?? {}) };
        for (const [type, labels] of Object.entries(body as Json)) {
          (merged[block] as Json)[type] = { ...((merged[block] as Json)[type] as Json), ...(labels as Json) };
        }
      } else {
        merged[block] = { ...(merged[block] ?? {}), [name]: body } as Json;
      }
    }
  }
  return merged;
}

function resources(parsed: Record<string, Json>, type: string): Record<string, Json[]> {
  return (parsed.resource?.[type] ?? {}) as Record<string, Json[]>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dp-kv-generate-"));
  emulator = await startVaults([vaultConfig("source-vault"), vaultConfig("scratch-vault")]);
  seeded = await seedVault(emulator, "source-vault", "scratch-vault");
  const { session } = capturingSession();
  const source = vaultResource(emulator, "source-vault");
  items = (await collect(
    keyVaultPlugin.discover(source, session.discoverContext(sideAccess(emulator, "source"))),
  )) as KeyVaultItem[];
  itemsAll = (await collect(
    keyVaultPlugin.discover(
      source,
      session.discoverContext(sideAccess(emulator, "source"), { versions: "all" }),
    ),
  )) as KeyVaultItem[];
});

afterAll(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("generate terraform", () => {
  let output: GeneratedOutput;
  let parsed: Record<string, Json>;

  beforeAll(async () => {
    output = await generate(items);
    parsed = await parseAll(output);
  });

  it("writes the files a Terraform root module needs, and a README", () => {
    expect(Object.keys(output.files).sort()).toEqual([
      "README.md",
      "certificate-settings.tf",
      "certificates.tf",
      "keys.tf",
      "secrets.tf",
      "terraform.tfvars.example",
      "variables.tf",
      "versions.tf",
    ]);
    expect(output.files["README.md"]).toContain("What you must supply");
    expect(output.files["README.md"]).toContain("key_vault_id");
    expect(output.files["README.md"]).toMatch(/NEW key material/);
  });

  it("parses with HashiCorp's HCL parser into one resource per item", () => {
    expect(Object.keys(resources(parsed, "azurerm_key_vault_secret"))).toHaveLength(200);
    expect(Object.keys(resources(parsed, "azurerm_key_vault_key"))).toHaveLength(20);
    expect(Object.keys(resources(parsed, "azurerm_key_vault_certificate"))).toHaveLength(10);
    expect(Object.keys(resources(parsed, "azurerm_key_vault_certificate_issuer"))).toHaveLength(1);
    expect(Object.keys(resources(parsed, "azurerm_key_vault_certificate_contacts"))).toHaveLength(1);
  });

  it("pins Terraform >= 1.11 and azurerm >= 4.23 for write-only values", () => {
    const terraform = (parsed.terraform as Json)["versions.tf"] as Json[];
    expect(terraform[0]?.required_version).toBe(">= 1.11");
    const providers = (terraform[0]!.required_providers as Json[])[0] as Json;
    expect(providers.azurerm).toEqual({ source: "hashicorp/azurerm", version: ">= 4.23" });
  });

  it("feeds each secret from its own ephemeral sensitive variable through value_wo", () => {
    const secrets = resources(parsed, "azurerm_key_vault_secret");
    const variables = (parsed.variable ?? {}) as Record<string, Json[]>;
    expect(variables.key_vault_id).toBeDefined();
    const used = new Set<string>();
    for (const [label, [body]] of Object.entries(secrets)) {
      expect(body!.key_vault_id).toBe("${var.key_vault_id}");
      expect(body!.value).toBeUndefined();
      const ref = /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(String(body!.value_wo));
      expect(ref, label).not.toBeNull();
      const variable = variables[ref![1]!]![0]!;
      expect(variable.sensitive).toBe(true);
      expect(variable.ephemeral).toBe(true);
      expect(body!.value_wo_version).toBe("${var.secret_value_version}");
      used.add(ref![1]!);
    }
    expect(used.size).toBe(200);
    const names = Object.values(secrets).map(([b]) => b!.name);
    expect(new Set(names).size).toBe(200);
    expect(names).toContain(LONGEST_NAME);
  });

  it("carries content types, tags and dates; secret values appear nowhere", () => {
    const byName = new Map(
      Object.values(resources(parsed, "azurerm_key_vault_secret")).map(([b]) => [b!.name, b!]),
    );
    for (const spec of seeded.secrets) {
      const body = byName.get(spec.name)!;
      const current = spec.versions.at(-1)!.options;
      expect(body.content_type, spec.name).toBe(current.contentType);
      expect(body.tags, spec.name).toEqual(
        current.tags && Object.keys(current.tags).length > 0 ? current.tags : undefined,
      );
      expect(body.expiration_date, spec.name).toBe(current.expiresOn?.toISOString().replace(".000Z", "Z"));
      expect(body.not_before_date, spec.name).toBe(current.notBefore?.toISOString().replace(".000Z", "Z"));
    }
    const text = Object.values(output.files).join("\n");
    expect(seeded.canaries.filter((c) => text.includes(c))).toEqual([]);
    expect(text).not.toMatch(/CANARY-|PRIVATE KEY/);
  });

  it("gives keys their parameters and rotation policy, with a note on new key material", () => {
    const keys = resources(parsed, "azurerm_key_vault_key");
    const byName = new Map(Object.values(keys).map(([b]) => [b!.name, b!]));
    for (const spec of seeded.keys) {
      const body = byName.get(spec.name)!;
      expect(body.key_type, spec.name).toBe(spec.keyType);
      expect(body.key_size, spec.name).toBe(spec.keySize);
      expect(body.curve, spec.name).toBe(spec.curve);
    }
    const rotating = byName.get("rsa-2048-rotating")!;
    expect(rotating.rotation_policy).toEqual([
      { expire_after: "P90D", notify_before_expiry: "P10D", automatic: [{ time_after_creation: "P30D" }] },
    ]);
    expect(output.files["keys.tf"]).toContain("NEW key material");
  });

  it("creates certificates from their policy by default", () => {
    const certs = resources(parsed, "azurerm_key_vault_certificate");
    const web = Object.values(certs).find(([b]) => b!.name === "web-pfx-a")![0]!;
    const policy = (web.certificate_policy as Json[])[0]!;
    expect((policy.issuer_parameters as Json[])[0]).toEqual({ name: "Self" });
    expect((policy.key_properties as Json[])[0]).toMatchObject({
      exportable: true,
      key_type: "RSA",
      key_size: 2048,
    });
    expect((policy.secret_properties as Json[])[0]).toEqual({ content_type: "application/x-pkcs12" });
    const x509 = (policy.x509_certificate_properties as Json[])[0]!;
    expect(x509.subject).toBe("CN=web-pfx-a.example.test");
    expect((x509.subject_alternative_names as Json[])[0]).toEqual({
      dns_names: ["web-pfx-a.example.test", "www.web-pfx-a.example.test"],
    });
    expect(policy.lifetime_action).toEqual([
      { action: [{ action_type: "AutoRenew" }], trigger: [{ days_before_expiry: 30 }] },
    ]);
  });

  it("lists every variable without a value in terraform.tfvars.example", async () => {
    const example = (await parse(
      "terraform.tfvars.example",
      output.files["terraform.tfvars.example"]!,
    )) as Json;
    const required = output.variables.filter((v) => !v.description.endsWith("(optional)")).map((v) => v.name);
    expect(Object.keys(example).sort()).toEqual([...required].sort());
    for (const value of Object.values(example)) expect(value).toBe("");
    expect(output.variables.filter((v) => v.name.startsWith("secret_"))).toHaveLength(200);
  });

  it("uses `value` with --azurerm-value, and imports certificates from variables with --certificate-import", async () => {
    const legacy = await generate(items, { "azurerm-value": true, "certificate-import": true });
    const legacyParsed = await parseAll(legacy);
    const secret = Object.values(resources(legacyParsed, "azurerm_key_vault_secret"))[0]![0]!;
    expect(String(secret.value)).toMatch(/^\$\{var\.secret_/);
    expect(secret.value_wo).toBeUndefined();
    const variables = (legacyParsed.variable ?? {}) as Record<string, Json[]>;
    expect(variables[String(secret.value).slice(6, -1)]![0]!.ephemeral).toBeUndefined();
    const cert = Object.values(resources(legacyParsed, "azurerm_key_vault_certificate"))[0]![0]!;
    expect(cert.certificate_policy).toBeUndefined();
    const block = (cert.certificate as Json[])[0]!;
    expect(String(block.contents)).toMatch(/^\$\{var\.certificate_.*_contents\}$/);
    expect(String(block.password)).toMatch(/^\$\{var\.certificate_.*_password\}$/);
    expect(legacy.files["versions.tf"]).toContain('">= 1.5"');
  });

  it("adds import blocks with versioned ids on request", async () => {
    const withImports = await generate(itemsAll, { "import-blocks": true });
    const imports = (await parse("imports.tf", withImports.files["imports.tf"]!)) as { import: Json[] };
    expect(imports.import).toHaveLength(200 + 20 + 10 + 1 + 1);
    const secretImport = imports.import.find((i) => String(i.to).startsWith("${azurerm_key_vault_secret."))!;
    expect(String(secretImport.id)).toMatch(/\/secrets\/[^/]+\/[0-9a-f]{32}$/);
    // With --versions latest the secrets' versions are unknown: their import blocks are left out, said so.
    const partial = await generate(items, { "import-blocks": true });
    expect(partial.warnings?.join("\n")).toMatch(/200 import blocks left out/);
  });

  it("adds import blocks only for items present in a target discovery (--import-items)", async () => {
    const targetItems = itemsAll.filter((i) => i.kind !== "secret" || i.name.startsWith("app-secret-00"));
    const file = join(dir, "target-items.jsonl");
    writeFileSync(
      file,
      targetItems
        .map((item) => JSON.stringify({ type: "item", plugin: "keyvault", resourceId: "t", item }))
        .join("\n"),
    );
    const output = await generate(items, { "import-items": file });
    const imports = (await parse("imports.tf", output.files["imports.tf"]!)) as { import: Json[] };
    expect(imports.import.filter((i) => String(i.to).startsWith("${azurerm_key_vault_secret."))).toHaveLength(
      10,
    );
  });

  it("template mode writes placeholders and no secret variables", async () => {
    const template = await generate(items, {}, "template");
    expect(template.variables.map((v) => v.name)).toEqual(["key_vault_id"]);
    const parsedTemplate = await parseAll(template);
    const secret = Object.values(resources(parsedTemplate, "azurerm_key_vault_secret"))[0]![0]!;
    expect(String(secret.value_wo)).toMatch(/^dataplane-placeholder/);
    expect((secret.tags as Json)["dataplane-placeholder"]).toBe("true");
  });
});

describe("identifiers", () => {
  function secret(name: string, extra: Partial<SecretItem["properties"]> = {}): SecretItem {
    return {
      kind: "secret",
      key: `secret/${name}`,
      name,
      sourceResourceId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/z",
      properties: {
        enabled: true,
        tags: {},
        id: `https://z.vault.azure.net/secrets/${name}`,
        vaultUrl: "https://z.vault.azure.net/",
        ...extra,
      },
    };
  }

  it("are valid and unique for any source name, and strings are escaped", async () => {
    const names = [
      "9",
      "0123456789",
      "-leading-dash",
      "trailing-dash-",
      "a--b",
      "A-B",
      LONGEST_NAME,
      `${LONGEST_NAME.slice(0, 120)}-other`,
      `${LONGEST_NAME.slice(0, 126)}2`,
      "resource",
      "variable",
    ];
    const output = await generate([
      ...names.map((n) =>
        secret(n, {
          contentType: 'a "quoted" ${not.a.ref} %{nor} \\ \n type',
          tags: { "tag with space": "${x}" },
        }),
      ),
    ]);
    const parsed = await parseAll(output);
    const labels = Object.keys(resources(parsed, "azurerm_key_vault_secret"));
    expect(labels).toHaveLength(names.length);
    for (const label of labels) expect(label).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
    const variables = Object.keys((parsed.variable ?? {}) as Json);
    expect(new Set(variables).size).toBe(names.length + 2);
    // TF_VAR_<name> must be a valid environment variable name: no dashes
    for (const v of variables) expect(v).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    const bodies = Object.values(resources(parsed, "azurerm_key_vault_secret")).map(([b]) => b!);
    expect(bodies.map((b) => b.name).sort()).toEqual([...names].sort());
    // hcl2json keeps template escapes as written: `$${` and `%%{` are literal `${` and `%{`.
    expect(bodies[0]!.content_type).toBe('a "quoted" $${not.a.ref} %%{nor} \\ \n type');
    expect(bodies[0]!.tags).toEqual({ "tag with space": "$${x}" });
  });
});
