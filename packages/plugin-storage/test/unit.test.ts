// Fast specifications of the pure parts: the incremental rule, filters, block layout,
// provenance, SAS renewal and redaction, and the generated Terraform.
import { parse } from "@cdktf/hcl2json";
import { createSession, SecretRedactor } from "@dataplane/core";
import { describe, expect, it } from "vitest";
import { accountCredential } from "../src/access/credentials.js";
import { SAS_LIFETIME_MS, SAS_RENEW_BEFORE_MS, SourceSas } from "../src/access/source-sas.js";
import { generateTerraform } from "../src/generate/terraform.js";
import type { BlobItem, BlobProperties, StorageItem } from "../src/items.js";
import { keys, pathDepth } from "../src/items.js";
import { nameFilter, readSettings } from "../src/options.js";
import { blockId, blockSizeFor } from "../src/replicate/blob-copy.js";
import { blobDigest, planBlob, planContainer } from "../src/replicate/blob-plan.js";
import { PROVENANCE_KEY, provenanceOf, sameMetadata, withProvenance } from "../src/replicate/provenance.js";
import type { BlobTarget } from "../src/replicate/targets.js";
import { terraformProblems } from "./helpers/terraform.js";

const RESOURCE = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/srcaccount";

function blob(overrides: Partial<BlobProperties> = {}): BlobItem {
  const properties: BlobProperties = {
    container: "c",
    name: "a/b.txt",
    blobType: "BlockBlob",
    size: 10,
    metadata: { owner: "alice" },
    tags: { team: "x" },
    contentType: "text/plain",
    contentMD5: "MD5A",
    lastModified: "2026-01-01T00:00:00.000Z",
    etag: "0x1",
    ...overrides,
  };
  return {
    kind: "blob",
    key: keys.blob("c", properties.name),
    name: properties.name,
    properties,
    sourceResourceId: RESOURCE,
  };
}

/** The target as a faithful earlier copy of `item` left it. */
function copyOf(item: BlobItem, overrides: Partial<BlobTarget> = {}): BlobTarget {
  const p = item.properties;
  return {
    kind: "blob",
    key: item.key,
    blobType: p.blobType,
    size: p.size,
    ...(p.contentMD5 ? { md5: p.contentMD5 } : {}),
    provenance: p.lastModified,
    digest: blobDigest(p, withProvenance(p.metadata, p.lastModified), p.tags),
    ...overrides,
  };
}

describe("the incremental rule for blobs", () => {
  it("copies a blob the target does not have", () => {
    expect(planBlob(blob(), undefined, true).action).toBe("create");
  });

  it("skips a blob with the same size and MD5 and the same properties", () => {
    expect(planBlob(blob(), copyOf(blob()), true).action).toBe("skip-unchanged");
  });

  it("without MD5, skips on the same size and the source last-modified recorded in target metadata", () => {
    const noMd5 = blob({ contentMD5: undefined });
    expect(planBlob(noMd5, copyOf(noMd5), true).action).toBe("skip-unchanged");
    const changed = blob({ contentMD5: undefined, lastModified: "2026-02-01T00:00:00.000Z" });
    expect(planBlob(changed, copyOf(noMd5), true)).toMatchObject({ action: "update" });
  });

  it("updates a blob we copied earlier whose source changed", () => {
    const decision = planBlob(blob({ contentMD5: "MD5B" }), copyOf(blob()), true);
    expect(decision).toMatchObject({ action: "update", reason: expect.stringContaining("Content-MD5") });
    expect(planBlob(blob({ size: 11 }), copyOf(blob()), true)).toMatchObject({ action: "update" });
  });

  it("calls a differing target blob without our provenance a conflict", () => {
    const decision = planBlob(blob({ contentMD5: "MD5B" }), copyOf(blob(), { provenance: undefined }), true);
    expect(decision).toMatchObject({
      action: "conflict",
      reason: expect.stringContaining("not copied by dataplane"),
    });
  });

  it("updates only the properties when the content is the same", () => {
    const decision = planBlob(blob({ metadata: { owner: "bob" } }), copyOf(blob()), true);
    expect(decision).toMatchObject({ action: "update", details: { propertiesOnly: true } });
    expect(planBlob(blob({ tags: { team: "y" } }), copyOf(blob()), true).action).toBe("update");
    expect(
      planBlob(
        blob({ tags: { team: "y" } }),
        copyOf(blob(), { digest: blobDigest(blob().properties, blob().properties.metadata, undefined) }),
        false,
      ).action,
    ).toBe("skip-unchanged");
    expect(planBlob(blob({ accessTier: "Cool" }), copyOf(blob(), { tier: "Hot" }), true).action).toBe(
      "update",
    );
    expect(
      planBlob(blob({ accessTier: "Cool", accessTierInferred: true }), copyOf(blob(), { tier: "Hot" }), true)
        .action,
    ).toBe("skip-unchanged");
  });

  it("skips archive-tier and rehydrating blobs with a reason", () => {
    expect(planBlob(blob({ accessTier: "Archive" }), undefined, true)).toMatchObject({
      action: "skip-unsupported",
      reason: expect.stringContaining("archive"),
    });
    expect(planBlob(blob({ archiveStatus: "rehydrate-pending-to-hot" }), undefined, true).action).toBe(
      "skip-unsupported",
    );
  });

  it("compares container metadata case-insensitively by key and public access", () => {
    const c = {
      kind: "container" as const,
      key: "container/c",
      name: "c",
      sourceResourceId: RESOURCE,
      properties: {
        container: "c",
        metadata: { Owner: "a" },
        publicAccess: "blob" as const,
        lastModified: "",
        etag: "",
      },
    };
    expect(planContainer(c, undefined).action).toBe("create");
    expect(
      planContainer(c, { kind: "container", key: c.key, metadata: { owner: "a" }, publicAccess: "blob" })
        .action,
    ).toBe("skip-unchanged");
    expect(
      planContainer(c, { kind: "container", key: c.key, metadata: { owner: "a" }, publicAccess: "none" }),
    ).toMatchObject({
      action: "update",
      reason: expect.stringContaining("public access"),
    });
  });
});

describe("provenance metadata", () => {
  it("adds one documented key, replaces a copied one, and is ignored when comparing metadata", () => {
    const m = withProvenance({ a: "1", DATAPLANE_SOURCE_MODIFIED: "old" }, "new");
    expect(m).toEqual({ a: "1", [PROVENANCE_KEY]: "new" });
    expect(provenanceOf({ Dataplane_Source_Modified: "x" })).toBe("x");
    expect(sameMetadata(m, { A: "1" })).toBe(true);
    expect(sameMetadata(m, { a: "2" })).toBe(false);
  });
});

describe("options", () => {
  it("filters names exactly or with * wildcards", () => {
    const f = nameFilter("images, logs-*");
    expect(["images", "logs-2026", "logs-"].every(f)).toBe(true);
    expect(f("image")).toBe(false);
    expect(nameFilter(undefined)("anything")).toBe(true);
  });

  it("reads defaults and refuses a bad block size", () => {
    const s = readSettings({});
    expect(s).toMatchObject({
      blobs: true,
      files: true,
      tags: true,
      verify: false,
      blockSizeBytes: 8 * 1024 * 1024,
    });
    expect(readSettings({ services: "blob", "blob-tags": "skip" })).toMatchObject({
      files: false,
      tags: false,
    });
    expect(() => readSettings({ "block-size-mib": 0 })).toThrow(/block-size-mib/);
    expect(s.singleCopyMaxBytes).toBe(256 * 1024 * 1024);
    expect(readSettings({ "chunked-copy-above-mib": 0 }).singleCopyMaxBytes).toBe(0);
    expect(() => readSettings({ "chunked-copy-above-mib": 300 })).toThrow(/chunked-copy-above-mib/);
  });
});

describe("block copies", () => {
  it("keeps to 50,000 blocks and the preferred size", () => {
    const MiB = 1024 * 1024;
    expect(blockSizeFor(300 * MiB, 8 * MiB)).toBe(8 * MiB);
    expect(blockSizeFor(1024 * 1024 * MiB, 8 * MiB)).toBe(21 * MiB);
  });

  it("gives equal-length ids that differ between source versions", () => {
    const a = blockId("0x1", 0);
    expect(blockId("0x1", 123456)).toHaveLength(a.length);
    expect(blockId("0x2", 0)).not.toBe(a);
    expect(blockId("0x1", 0)).toBe(a);
  });

  it("counts path depth for parents-first phases", () => {
    expect([pathDepth("a"), pathDepth("a/b"), pathDepth("a/b/c.txt")]).toEqual([1, 2, 3]);
  });
});

describe("credentials and the source SAS", () => {
  const key = Buffer.alloc(64, 7).toString("base64");

  it("parses connection strings and registers every secret", () => {
    const redactor = new SecretRedactor();
    const cs = `DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=${key};EndpointSuffix=core.windows.net`;
    const credential = accountCredential(
      { side: "source", storage: { type: "connectionString", connectionString: cs } },
      "acc",
      redactor,
    );
    expect(credential).toMatchObject({ kind: "sharedKey", accountName: "acc" });
    expect(redactor.redact(`key ${key}`)).not.toContain(key);
    expect(() => accountCredential({ side: "target" }, "acc", redactor)).toThrow(/no credential/);
  });

  it("mints a read-only account SAS, registers it before handing it out, and renews it", async () => {
    const redactor = new SecretRedactor();
    let now = Date.parse("2026-06-01T00:00:00Z");
    const sas = new SourceSas(
      accountCredential(
        { side: "source", storage: { type: "sharedKey", accountName: "acc", accountKey: key } },
        "acc",
        redactor,
      ),
      "acc",
      redactor,
      {},
      () => now,
    );
    const first = await sas.blobQuery("c");
    expect(first).toMatch(/(^|&)sp=r(&|$)/);
    expect(first).toMatch(/(^|&)srt=o(&|$)/);
    expect(first).toContain(
      `se=${encodeURIComponent(new Date(now + SAS_LIFETIME_MS).toISOString().replace(/\.\d{3}Z$/, "Z"))}`,
    );
    expect(redactor.redact(`copy from https://x/c/b?${first}`)).not.toContain(first);
    const sig = /sig=([^&]+)/.exec(first)![1]!;
    expect(redactor.redact(decodeURIComponent(sig))).toBe("[REDACTED]");
    expect(await sas.blobQuery("other")).toBe(first);
    now += SAS_LIFETIME_MS - SAS_RENEW_BEFORE_MS - 1000;
    expect(await sas.blobQuery("c")).toBe(first);
    now += 2000;
    const renewed = await sas.blobQuery("c");
    expect(renewed).not.toBe(first);
    expect(redactor.redact(renewed)).toBe("[REDACTED]");
    const fileSas = await sas.fileQuery("share");
    expect(fileSas).toMatch(/(^|&)ss=f(&|$)/);
  });
});

describe("the source SAS with Entra ID", () => {
  it("is a read-only user delegation SAS per container, its key registered with the redactor", async () => {
    const redactor = new SecretRedactor();
    const keyValue = Buffer.alloc(32, 9).toString("base64");
    let keysIssued = 0;
    const service = {
      async getUserDelegationKey(startsOn: Date, expiresOn: Date) {
        keysIssued++;
        expect(expiresOn.getTime() - Date.now()).toBeLessThanOrEqual(SAS_LIFETIME_MS + 1000);
        return {
          signedObjectId: "00000000-0000-0000-0000-00000000000a",
          signedTenantId: "00000000-0000-0000-0000-00000000000b",
          signedStartsOn: startsOn,
          signedExpiresOn: expiresOn,
          signedService: "b",
          signedVersion: "2025-01-05",
          value: keyValue,
        };
      },
    };
    const token = {
      async getToken() {
        return { token: "t0ken-value", expiresOnTimestamp: Date.now() + 3600_000 };
      },
    };
    const sas = new SourceSas({ kind: "token", credential: token }, "acc", redactor, {
      blob: service as unknown as import("@azure/storage-blob").BlobServiceClient,
    });
    const images = await sas.blobQuery("images");
    expect(images).toMatch(/(^|&)sr=c(&|$)/);
    expect(images).toMatch(/(^|&)sp=r(&|$)/);
    expect(images).toMatch(/(^|&)skoid=/);
    expect(await sas.blobQuery("images")).toBe(images);
    const logs = await sas.blobQuery("logs");
    expect(logs).not.toBe(images);
    expect(keysIssued).toBe(1);
    expect(redactor.redact(`k=${keyValue}`)).toBe("k=[REDACTED]");
    expect(redactor.redact(logs)).toBe("[REDACTED]");
  });
});

describe("generate", () => {
  function items(): StorageItem[] {
    const base = { sourceResourceId: RESOURCE };
    return [
      {
        ...base,
        kind: "container",
        key: "container/images",
        name: "images",
        properties: {
          container: "images",
          metadata: { Team: 'a"b${x}' },
          publicAccess: "blob",
          lastModified: "",
          etag: "",
        },
      },
      {
        ...base,
        kind: "container",
        key: "container/images-2",
        name: "images-2",
        properties: { container: "images-2", metadata: {}, publicAccess: "none", lastModified: "", etag: "" },
      },
      {
        ...base,
        kind: "container",
        key: "container/$logs",
        name: "$logs",
        properties: { container: "$logs", metadata: {}, publicAccess: "none", lastModified: "", etag: "" },
      },
      blob({ container: "$logs", name: "blob/2026/01/01/0000/000000.log" }),
      blob({ container: "images", name: "2026/a b/ç %{x}.png", accessTier: "Cool" }),
      blob({ container: "images", name: "cold", accessTier: "Archive" }),
      {
        ...base,
        kind: "share",
        key: "share/docs",
        name: "docs",
        properties: {
          share: "docs",
          quota: 10,
          accessTier: "Cool",
          protocol: "SMB",
          metadata: { a: "1" },
          lastModified: "",
          etag: "",
        },
      },
      {
        ...base,
        kind: "directory",
        key: "directory/docs/x",
        name: "x",
        properties: { share: "docs", path: "x", metadata: {} },
      },
      {
        ...base,
        kind: "directory",
        key: "directory/docs/x/y z",
        name: "x/y z",
        properties: { share: "docs", path: "x/y z" },
      },
    ];
  }

  it("writes Terraform a real HCL parser reads, with unique identifiers and no SAS", async () => {
    const ctx = createSession().generateContext("replication", { "include-blobs": true });
    const out = await generateTerraform(items(), "terraform", ctx);
    expect(Object.keys(out.files).sort()).toEqual(
      [
        "README.md",
        "blobs.tf",
        "containers.tf",
        "shares.tf",
        "terraform.tfvars.example",
        "variables.tf",
        "versions.tf",
      ].sort(),
    );
    type Parsed = Record<string, Record<string, Record<string, Record<string, Record<string, unknown>[]>>>>;
    const parsed: Parsed = {};
    for (const [name, text] of Object.entries(out.files)) {
      if (name.endsWith(".tf") || name.endsWith(".example"))
        parsed[name] = (await parse(name, text)) as Parsed[string];
    }
    const containers = parsed["containers.tf"]!.resource!.azurerm_storage_container!;
    expect(Object.keys(containers)).toHaveLength(2);
    expect(containers.images![0]).toMatchObject({
      name: "images",
      container_access_type: "blob",
      metadata: { team: 'a"b$${x}' },
    });
    const directories = parsed["shares.tf"]!.resource!.azurerm_storage_share_directory!;
    expect(Object.values(directories).map((d) => d[0]!.name)).toEqual(["x", "x/y z"]);
    const blobs = parsed["blobs.tf"]!.resource!.azurerm_storage_blob!;
    expect(Object.keys(blobs)).toHaveLength(1);
    const [onlyBlob] = Object.values(blobs);
    expect(onlyBlob![0]).toMatchObject({
      name: "2026/a b/ç %%{x}.png",
      type: "Block",
      access_tier: "Cool",
      source_uri:
        "${local.source_blob_base}/images/2026/a%20b/%C3%A7%20%25%7Bx%7D.png?${local.source_blob_sas}",
    });
    expect(out.files["blobs.tf"]).toContain("archive tier");
    expect(out.variables.find((v) => v.name === "source_blob_sas_url")).toMatchObject({ sensitive: true });
    expect(parsed["terraform.tfvars.example"] as unknown).toEqual({
      storage_account_id:
        "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<account>",
    });
    // `$logs` is the service's own container: azurerm refuses the name; it and its blobs are left out, said so.
    expect(out.files["containers.tf"]).toContain(
      'Container "$logs" is not generated: azurerm refuses the name',
    );
    expect(out.files["blobs.tf"]).not.toContain("$logs");
    expect(await terraformProblems(out.files)).toEqual([]);
    expect(out.files["README.md"]).toContain("dataplane replicate");
    for (const text of Object.values(out.files)) expect(text).not.toMatch(/sig=|sv=20/);
  });

  it("leaves blobs out unless asked, and refuses other formats", async () => {
    const ctx = createSession().generateContext("replication", {});
    const out = await generateTerraform(items(), "terraform", ctx);
    expect(out.files["blobs.tf"]).toBeUndefined();
    expect(out.variables.map((v) => v.name)).toEqual(["subscription_id", "storage_account_id"]);
    await expect(generateTerraform(items(), "bicep", ctx)).rejects.toThrow(/terraform/);
  });
});
