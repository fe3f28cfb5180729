import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import type { GeneratedOutput } from "@dataplane/core";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultItem, keyVaultPlugin, type SecretItem } from "../src/index.js";
import {
  canary,
  keySpecs,
  LONGEST_NAME,
  type SeededVault,
  seedKeys,
  seedSecretSpecs,
  seedVault,
} from "./helpers/seed.js";
import { terraformProblems, tfvarsNames } from "./helpers/terraform.js";
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
let targetItemsFile: string;
let sourceHost: string;
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
  emulator = await startVaults([
    vaultConfig("source-vault"),
    vaultConfig("scratch-vault"),
    vaultConfig("target-vault"),
  ]);
  seeded = await seedVault(emulator, "source-vault", "scratch-vault");
  sourceHost = new URL(emulator.vaultUri("source-vault")).host;
  // The target already has ten of the secrets and two of the keys (other versions, other values).
  seedSecretSpecs(
    emulator,
    "target-vault",
    seeded.secrets
      .filter((s) => s.name.startsWith("app-secret-00"))
      .map((s) => ({ name: s.name, versions: [{ value: canary("target"), options: {} }] })),
  );
  await seedKeys(emulator, "target-vault", keySpecs().slice(0, 2));
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
  const targetItems = await collect(
    keyVaultPlugin.discover(
      vaultResource(emulator, "target-vault"),
      session.discoverContext(sideAccess(emulator, "source"), { versions: "all" }),
    ),
  );
  targetItemsFile = join(dir, "target-items.jsonl");
  writeFileSync(
    targetItemsFile,
    targetItems
      .map((item) => JSON.stringify({ type: "item", plugin: "keyvault", resourceId: "t", item }))
      .join("\n"),
  );
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

  it("pins Terraform >= 1.11 and azurerm >= 4.23.0 for write-only values, with no upper bound", () => {
    const terraform = (parsed.terraform as Json)["versions.tf"] as Json[];
    expect(terraform[0]?.required_version).toBe(">= 1.11");
    const providers = (terraform[0]!.required_providers as Json[])[0] as Json;
    expect(providers.azurerm).toEqual({ source: "hashicorp/azurerm", version: ">= 4.23.0" });
  });

  it("validates against the azurerm 5.2 schema and the provider's own rules, and is terraform fmt output", async () => {
    expect(await terraformProblems(output.files, [sourceHost])).toEqual([]);
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

  it("lists every variable in terraform.tfvars.example: defaults and sensitive ones commented, no empty subscription", async () => {
    const example = output.files["terraform.tfvars.example"]!;
    const declared = Object.keys((parsed.variable ?? {}) as Json);
    expect(tfvarsNames(example).sort()).toEqual([...declared].sort());
    const active = (await parse("terraform.tfvars.example", example)) as Json;
    // Only the vault id is to be filled in; the rest has a default or belongs in TF_VAR_<name>.
    expect(Object.keys(active)).toEqual(["key_vault_id"]);
    expect(active.key_vault_id).toMatch(/^\/subscriptions\/<subscription>\/.*\/vaults\/<vault>$/);
    expect(example).toContain('# subscription_id = "00000000-0000-0000-0000-000000000000"');
    expect(example).toContain("# secret_value_version = 1");
    expect(example).not.toMatch(/^subscription_id = ""/m);
    expect(output.variables.filter((v) => v.name.startsWith("secret_"))).toHaveLength(200);
  });

  it("says in the README what plan and apply need: login, subscription, data-plane roles", () => {
    const readme = output.files["README.md"]!;
    expect(readme).toContain("az login");
    expect(readme).toContain("ARM_SUBSCRIPTION_ID");
    for (const role of [
      "Key Vault Secrets Officer",
      "Key Vault Crypto Officer",
      "Key Vault Certificates Officer",
    ])
      expect(readme).toContain(role);
  });

  it("validates with every flag and mode, and never puts a secret value anywhere", async () => {
    const combos: [Record<string, string | boolean>, "replication" | "template", KeyVaultItem[]][] = [
      [{ "azurerm-value": true }, "replication", items],
      [{ "certificate-import": true }, "replication", items],
      [{ "certificate-import": true, "azurerm-value": true }, "replication", items],
      [{ "import-blocks": true }, "replication", itemsAll],
      [{ "import-items": targetItemsFile }, "replication", itemsAll],
      [
        { "import-items": targetItemsFile, "azurerm-value": true, "certificate-import": true },
        "replication",
        items,
      ],
      [{}, "template", items],
      [{ "azurerm-value": true, "certificate-import": true }, "template", items],
      [{}, "replication", [...items, ...EXTRA_ITEMS]],
      [{ versions: "all" }, "replication", itemsAll],
    ];
    for (const [options, mode, from] of combos) {
      const out = await generate(from, options, mode);
      const label = `${mode} ${JSON.stringify(options)}`;
      expect(await terraformProblems(out.files, [sourceHost]), label).toEqual([]);
      const text = Object.values(out.files).join("\n");
      expect(
        seeded.canaries.filter((c) => text.includes(c)),
        label,
      ).toEqual([]);
      expect(text, label).not.toMatch(/CANARY-|PRIVATE KEY|\[REDACTED\]/);
    }
  });

  it("uses `value` with --azurerm-value, with the lowest azurerm that has everything used", async () => {
    const legacy = await generate(items, { "azurerm-value": true });
    const legacyParsed = await parseAll(legacy);
    const secret = Object.values(resources(legacyParsed, "azurerm_key_vault_secret"))[0]![0]!;
    expect(String(secret.value)).toMatch(/^\$\{var\.secret_/);
    expect(secret.value_wo).toBeUndefined();
    const variables = (legacyParsed.variable ?? {}) as Record<string, Json[]>;
    expect(variables[String(secret.value).slice(6, -1)]![0]!.ephemeral).toBeUndefined();
    expect(legacy.files["versions.tf"]).toContain('">= 1.5"');
    // key rotation_policy (3.46.0) is the newest thing used; contacts need 3.37.0.
    expect(legacy.files["versions.tf"]).toMatch(/"version" = ">= 3.46.0"/);
    const secretsOnly = await generate(
      items.filter((i) => i.kind === "secret"),
      { "azurerm-value": true },
    );
    expect(secretsOnly.files["versions.tf"]).toMatch(/"version" = ">= 3.0.0"/);
    const contacts = await generate(
      items.filter((i) => i.kind === "secret" || i.kind === "certificate-contacts"),
      { "azurerm-value": true },
    );
    expect(contacts.files["versions.tf"]).toMatch(/"version" = ">= 3.37.0"/);
  });

  it("imports exportable certificates from variables in their encoding, and creates non-exportable ones from their policy", async () => {
    const out = await generate(items, { "certificate-import": true });
    const parsedOut = await parseAll(out);
    const certs = new Map(
      Object.values(resources(parsedOut, "azurerm_key_vault_certificate")).map(([b]) => [b!.name, b!]),
    );
    const variables = (parsedOut.variable ?? {}) as Record<string, Json[]>;
    for (const spec of seeded.certificates) {
      const body = certs.get(spec.name)!;
      const pem = spec.contentType === "application/x-pem-file";
      if (!spec.exportable) {
        expect(body.certificate, spec.name).toBeUndefined();
        const policy = (body.certificate_policy as Json[])[0]!;
        expect((policy.key_properties as Json[])[0]!.exportable, spec.name).toBe(false);
        expect(policy.x509_certificate_properties, spec.name).toBeDefined();
        continue;
      }
      const block = (body.certificate as Json[])[0]!;
      const contents = variables[String(block.contents).slice(6, -1)]![0]!;
      expect(contents.sensitive, spec.name).toBe(true);
      if (pem) {
        expect(String(contents.description), spec.name).toMatch(/PEM text/);
        expect(block.password, spec.name).toBeUndefined();
        // The provider assumes PFX: a PEM import says its content type in a policy.
        const policy = (body.certificate_policy as Json[])[0]!;
        expect((policy.secret_properties as Json[])[0], spec.name).toEqual({
          content_type: "application/x-pem-file",
        });
      } else {
        expect(String(contents.description), spec.name).toMatch(/base64-encoded PFX/);
        expect(String(block.password), spec.name).toMatch(/^\$\{var\.certificate_.*_password\}$/);
        expect(body.certificate_policy, spec.name).toBeUndefined();
      }
    }
    expect(out.files["certificates.tf"]).toContain("Not exportable in the source");
    expect(out.files["README.md"]).toMatch(
      /3 certificates cannot be imported because they are not exportable.*`locked-pfx-a`.*NEW certificate with a NEW key/,
    );
  });

  it("writes no import blocks without the target's items, and says why", async () => {
    const out = await generate(itemsAll, { "import-blocks": true });
    expect(out.files["imports.tf"]).toBeUndefined();
    expect(out.warnings?.join("\n")).toMatch(
      /no import blocks were written: an import id must name the TARGET vault/,
    );
    expect(out.files["README.md"]).toContain("No import blocks: an import id must name the target vault");
  });

  it("adds import blocks only for items present in the target (--import-items), with the target's ids", async () => {
    const out = await generate(items, { "import-items": targetItemsFile });
    const imports = (await parse("imports.tf", out.files["imports.tf"]!)) as { import: Json[] };
    const targetHost = new URL(emulator.vaultUri("target-vault")).host;
    expect(imports.import.filter((i) => String(i.to).startsWith("${azurerm_key_vault_secret."))).toHaveLength(
      10,
    );
    expect(imports.import.filter((i) => String(i.to).startsWith("${azurerm_key_vault_key."))).toHaveLength(2);
    for (const i of imports.import) {
      expect(new URL(String(i.id)).host).toBe(targetHost);
      expect(String(i.id)).not.toContain(sourceHost);
    }
    expect(String(imports.import[0]!.id)).toMatch(/\/secrets\/app-secret-00\d\/[0-9a-f]{32}$/);
  });

  it("refuses an --import-items file that lists the source vault's own items", async () => {
    const file = join(dir, "source-items.jsonl");
    writeFileSync(
      file,
      itemsAll
        .map((item) => JSON.stringify({ type: "item", plugin: "keyvault", resourceId: "s", item }))
        .join("\n"),
    );
    await expect(generate(items, { "import-items": file })).rejects.toThrow(
      /--import-items lists items of the source vault .*: import ids must name the target vault/,
    );
  });

  it("template mode writes placeholders and no secret variables", async () => {
    const template = await generate(items, {}, "template");
    expect(template.variables.map((v) => v.name)).toEqual(["key_vault_id", "subscription_id"]);
    const parsedTemplate = await parseAll(template);
    const secret = Object.values(resources(parsedTemplate, "azurerm_key_vault_secret"))[0]![0]!;
    expect(String(secret.value_wo)).toMatch(/^dataplane-placeholder/);
    expect((secret.tags as Json)["dataplane-placeholder"]).toBe("true");
  });
});

/** What the emulator cannot make: an EC certificate, IP SANs, an issuer without account. */
const SOURCE = "/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/source-vault";
const EXTRA_ITEMS: KeyVaultItem[] = [
  {
    kind: "certificate",
    key: "certificate/ec-cert",
    name: "ec-cert",
    sourceResourceId: SOURCE,
    properties: {
      enabled: true,
      version: "0123456789abcdef0123456789abcdef",
      tags: {},
      id: "https://source-vault.vault.azure.net/certificates/ec-cert/0123456789abcdef0123456789abcdef",
      vaultUrl: "https://source-vault.vault.azure.net/",
      policy: {
        issuerName: "Self",
        subject: "CN=ec.example.test",
        subjectAlternativeNames: { dnsNames: ["ec.example.test"], ipAddresses: ["10.0.0.1"] },
        keyType: "EC",
        keyCurveName: "P-384",
        exportable: true,
        reuseKey: false,
        keyUsage: ["digitalSignature"],
        validityInMonths: 6,
        contentType: "application/x-pem-file",
        lifetimeActions: [{ action: "EmailContacts", lifetimePercentage: 80 }],
      },
    },
  },
  {
    kind: "certificate-issuer",
    key: "certificate-issuer/one-cert",
    name: "one-cert",
    sourceResourceId: SOURCE,
    properties: {
      vaultUrl: "https://source-vault.vault.azure.net/",
      provider: "OneCertV2-PublicCA",
      hasPassword: false,
    },
  },
];

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
    expect(new Set(variables).size).toBe(names.length + 3);
    // TF_VAR_<name> must be a valid environment variable name: no dashes
    for (const v of variables) expect(v).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    const bodies = Object.values(resources(parsed, "azurerm_key_vault_secret")).map(([b]) => b!);
    expect(bodies.map((b) => b.name).sort()).toEqual([...names].sort());
    // hcl2json keeps template escapes as written: `$${` and `%%{` are literal `${` and `%{`.
    expect(bodies[0]!.content_type).toBe('a "quoted" $${not.a.ref} %%{nor} \\ \n type');
    expect(bodies[0]!.tags).toEqual({ "tag with space": "$${x}" });
  });
});
