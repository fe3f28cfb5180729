// Generated Terraform for a real (emulated) account with every kind of blob the service has and
// metadata keys azurerm refuses: it must validate against the azurerm 5.2 schema and the
// provider's own rules, be `terraform fmt` output, and say what it left out.
import { parse } from "@cdktf/hcl2json";
import {
  checkProviderSchema,
  createSession,
  type DataPlaneItem,
  type GeneratedOutput,
} from "@dataplane/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storagePlugin } from "../src/index.js";
import type { StorageItem } from "../src/items.js";
import { type Bed, startBed } from "./helpers/bed.js";
import { AZURERM_SCHEMA, terraformProblems, tfvarsNames } from "./helpers/terraform.js";

type Json = Record<string, unknown>;

const ACCOUNT = "genacct";
/** Keys the service takes and azurerm refuses: one character, C# keywords, a dash, upper case kept apart. */
const HOSTILE = {
  a: "one char",
  class: "keyword",
  int: "keyword",
  good_key: "kept",
  Mixed_Case: "lower-cased",
};

let bed: Bed;
let items: DataPlaneItem[];

async function generate(
  options: Record<string, unknown> = {},
  mode: "replication" | "template" = "replication",
) {
  return storagePlugin.generate(items, "terraform", createSession().generateContext(mode, options as never));
}

beforeAll(async () => {
  bed = await startBed([ACCOUNT]);
  const blobs = bed.blob(ACCOUNT);
  const data = blobs.getContainerClient("data");
  await data.create({ metadata: HOSTILE });
  await blobs.getContainerClient("plain").create();
  const put = async (name: string, tier?: "Hot" | "Cool" | "Cold" | "Archive") => {
    const client = data.getBlockBlobClient(name);
    await client.upload(name, name.length, {
      metadata: HOSTILE,
      blobHTTPHeaders: { blobContentType: "text/plain" },
    });
    if (tier) await client.setAccessTier(tier);
  };
  await put("hot.txt", "Hot");
  await put("cool.txt", "Cool");
  await put("cold.txt", "Cold");
  await put("archived.txt", "Archive");
  await put("default-tier.txt");
  await data.getPageBlobClient("disk.vhd").create(1024, { metadata: { kind: "page" } });
  await data.getAppendBlobClient("log.txt").create({ metadata: { kind: "append" } });
  bed.files.seedShare(ACCOUNT, "docs", {
    quota: 5,
    accessTier: "Cool",
    metadata: { class: "x", owner: "me" },
  });
  const share = bed.share(ACCOUNT).getShareClient("docs");
  await share.getDirectoryClient("reports").create({ metadata: { a: "1", year: "2026" } });
  await share.getDirectoryClient("reports/q1").create();
  const session = createSession();
  items = [];
  for await (const item of storagePlugin.discover(
    bed.resource(ACCOUNT),
    session.discoverContext(bed.access(ACCOUNT, "source")),
  ))
    items.push(item);
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

function parsedBlobs(output: GeneratedOutput): Promise<Json> {
  return parse("blobs.tf", output.files["blobs.tf"]!) as Promise<Json>;
}

describe("generate terraform for an account", () => {
  it("discovered every kind of blob, with the hostile metadata", () => {
    const blobs = items.filter((i) => i.kind === "blob") as Extract<StorageItem, { kind: "blob" }>[];
    expect(blobs.map((b) => b.properties.name).sort()).toEqual(
      ["archived.txt", "cold.txt", "cool.txt", "default-tier.txt", "disk.vhd", "hot.txt", "log.txt"].sort(),
    );
    expect(blobs.find((b) => b.properties.name === "cold.txt")!.properties.accessTier).toBe("Cold");
    expect(Object.keys(blobs.find((b) => b.properties.name === "hot.txt")!.properties.metadata)).toContain(
      "class",
    );
  });

  it("validates with every flag and mode: schema, provider rules, terraform fmt", async () => {
    for (const [options, mode] of [
      [{}, "replication"],
      [{ "include-blobs": true }, "replication"],
      [{}, "template"],
    ] as const) {
      const out = await generate(options, mode);
      expect(await terraformProblems(out.files), `${mode} ${JSON.stringify(options)}`).toEqual([]);
    }
  });

  it("addresses blobs by storage_container_id, and says what happens to Cold, Archive and append blobs", async () => {
    const out = await generate({ "include-blobs": true });
    const blobs = ((await parsedBlobs(out)).resource as Json).azurerm_storage_blob as Record<string, Json[]>;
    const byName = new Map(Object.values(blobs).map(([b]) => [b!.name, b!]));
    expect([...byName.keys()].sort()).toEqual([
      "cold.txt",
      "cool.txt",
      "default-tier.txt",
      "disk.vhd",
      "hot.txt",
    ]);
    for (const body of byName.values()) {
      expect(body.storage_container_id).toBe("${azurerm_storage_container.data.id}");
      expect(body.storage_account_name).toBeUndefined();
      expect(body.storage_container_name).toBeUndefined();
    }
    expect(byName.get("cool.txt")!.access_tier).toBe("Cool");
    expect(byName.get("hot.txt")!.access_tier).toBe("Hot");
    expect(byName.get("cold.txt")!.access_tier).toBeUndefined();
    expect(byName.get("disk.vhd")).toMatchObject({ type: "Page", size: 1024 });
    const text = out.files["blobs.tf"]!;
    expect(text).toMatch(
      /# Cold tier in the source: azurerm accepts only Archive, Cool and Hot, so access_tier is left out/,
    );
    expect(text).toContain("--tier Cold");
    expect(text).toMatch(/archived\.txt: archive tier/);
    expect(text).toMatch(/log\.txt: append blobs cannot be created/);
    expect(out.warnings?.join("\n")).toMatch(/cold\.txt: Cold tier is not accepted by azurerm/);
    expect(out.files["versions.tf"]).toMatch(/"version" = ">= 4\.77\.0"/);
  });

  it("leaves out metadata keys azurerm refuses, naming them in a comment, and keeps the others", async () => {
    const out = await generate({ "include-blobs": true });
    const containers = (await parse("containers.tf", out.files["containers.tf"]!)) as Json;
    const data = (((containers.resource as Json).azurerm_storage_container as Json).data as Json[])[0]!;
    expect(data.metadata).toEqual({ good_key: "kept", mixed_case: "lower-cased" });
    expect(out.files["containers.tf"]).toContain('azurerm refuses the keys "a", "class", "int"');
    expect(out.files["shares.tf"]).toContain('azurerm refuses the key "class"');
    expect(out.files["shares.tf"]).toContain('azurerm refuses the key "a"');
    expect(out.warnings?.join("\n")).toMatch(/container data: metadata "a", "class", "int" left out/);
  });

  it("asks for the lowest azurerm with every argument used, and no upper bound", async () => {
    expect((await generate()).files["versions.tf"]).toMatch(/"version" = ">= 4\.54\.0"/);
    const containersOnly = await storagePlugin.generate(
      items.filter((i) => i.kind === "container"),
      "terraform",
      createSession().generateContext("replication", {}),
    );
    expect(containersOnly.files["versions.tf"]).toMatch(/"version" = ">= 4\.9\.0"/);
    expect(containersOnly.files["versions.tf"]).not.toContain("<");
  });

  it("refuses --include-blobs in template mode, with the reason", async () => {
    await expect(generate({ "include-blobs": true }, "template")).rejects.toThrow(
      /--include-blobs does not go with --mode template: template mode generates the structure/,
    );
  });

  it("lists every variable in the tfvars example (no empty subscription) and says in the README what apply needs", async () => {
    const out = await generate({ "include-blobs": true });
    const example = out.files["terraform.tfvars.example"]!;
    expect(tfvarsNames(example).sort()).toEqual(out.variables.map((v) => v.name).sort());
    const active = (await parse("terraform.tfvars.example", example)) as Json;
    expect(Object.keys(active)).toEqual(["storage_account_id"]);
    expect(example).not.toMatch(/^subscription_id = ""/m);
    expect(example).toContain('# subscription_id = "00000000-0000-0000-0000-000000000000"');
    expect(example).toContain('# source_blob_sas_url = ""');
    const readme = out.files["README.md"]!;
    for (const need of [
      "az login",
      "ARM_SUBSCRIPTION_ID",
      "Storage Blob Data Contributor",
      "Storage File Data Privileged Contributor",
      "Storage Account Contributor",
    ])
      expect(readme).toContain(need);
  });
});

describe("the schema check itself", () => {
  it("catches what azurerm 5.x refuses: removed arguments, a missing required one, a read-only one", () => {
    const problems = checkProviderSchema(
      [
        {
          resource: {
            azurerm_storage_blob: {
              old: [
                {
                  name: "x",
                  storage_account_name: "a",
                  storage_container_name: "c",
                  type: "Block",
                  url: "u",
                },
              ],
            },
          },
        },
      ],
      AZURERM_SCHEMA,
    );
    expect(problems).toEqual([
      "azurerm_storage_blob.old: storage_account_name is not an argument or block of this type",
      "azurerm_storage_blob.old: storage_container_name is not an argument or block of this type",
      "azurerm_storage_blob.old: url is read-only (computed by the provider)",
      "azurerm_storage_blob.old: storage_container_id is required",
    ]);
  });
});
