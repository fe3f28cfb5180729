// The README shows what `generate` writes for a small account: this test regenerates it and
// compares, so the README stays what the code does. DATAPLANE_UPDATE_README=1 rewrites the
// README's generated blocks instead.
import { readFileSync, writeFileSync } from "node:fs";
import { createSession } from "@dataplane/core";
import { describe, expect, it } from "vitest";
import { storagePlugin } from "../src/index.js";
import type { BlobItem, BlobProperties, StorageItem } from "../src/items.js";
import { terraformProblems } from "./helpers/terraform.js";

const README = new URL("../README.md", import.meta.url);
const ACCOUNT =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/contosodata";
const common = { sourceResourceId: ACCOUNT };

function blob(container: string, name: string, extra: Partial<BlobProperties>): BlobItem {
  return {
    ...common,
    kind: "blob",
    key: `blob/${container}/${name}`,
    name,
    properties: {
      container,
      name,
      blobType: "BlockBlob",
      size: 1024,
      metadata: {},
      lastModified: "2026-01-01T00:00:00.000Z",
      etag: "0x1",
      ...extra,
    },
  };
}

/** A small account: a container with hostile metadata, `$logs`, every kind of blob, a share with directories. */
export const SAMPLE: StorageItem[] = [
  {
    ...common,
    kind: "container",
    key: "container/images",
    name: "images",
    properties: {
      container: "images",
      metadata: { team: "web", class: "assets", x: "1" },
      publicAccess: "blob",
      lastModified: "",
      etag: "",
    },
  },
  {
    ...common,
    kind: "container",
    key: "container/$logs",
    name: "$logs",
    properties: { container: "$logs", metadata: {}, publicAccess: "none", lastModified: "", etag: "" },
  },
  blob("images", "banners/spring.png", {
    accessTier: "Hot",
    contentType: "image/png",
    metadata: { Owner: "web" },
  }),
  blob("images", "reports/2025.pdf", { accessTier: "Cold", contentType: "application/pdf" }),
  blob("images", "archive/2019.tar", { accessTier: "Archive" }),
  blob("images", "disks/os.vhd", { blobType: "PageBlob", size: 4096 }),
  blob("images", "logs/app.log", { blobType: "AppendBlob" }),
  {
    ...common,
    kind: "share",
    key: "share/docs",
    name: "docs",
    properties: {
      share: "docs",
      quota: 10,
      accessTier: "Cool",
      protocol: "SMB",
      metadata: { department: "finance" },
      lastModified: "",
      etag: "",
    },
  },
  {
    ...common,
    kind: "directory",
    key: "directory/docs/reports",
    name: "reports",
    properties: { share: "docs", path: "reports", metadata: {} },
  },
  {
    ...common,
    kind: "directory",
    key: "directory/docs/reports/2026",
    name: "reports/2026",
    properties: { share: "docs", path: "reports/2026", metadata: {} },
  },
];

const BLOCK = /(<!-- generated: ([^\s]+) (\{[^}]*\}) -->\n```(?:hcl|text)\n)([\s\S]*?)(```)/g;

describe("the README's generated Terraform", () => {
  it("is what generate writes for the sample account, and it validates", async () => {
    let readme = readFileSync(README, "utf8");
    const blocks = [...readme.matchAll(BLOCK)];
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const outputs = new Map<string, Record<string, string>>();
    for (const [, , file, options] of blocks) {
      if (!outputs.has(options!)) {
        const out = await storagePlugin.generate(
          SAMPLE,
          "terraform",
          createSession().generateContext("replication", JSON.parse(options!)),
        );
        expect(await terraformProblems(out.files), options).toEqual([]);
        outputs.set(options!, out.files as Record<string, string>);
      }
      expect(outputs.get(options!)![file!], `${file} ${options}`).toBeDefined();
    }
    const fresh = readme.replace(
      BLOCK,
      (_all, head: string, file: string, options: string, _body: string, tail: string) =>
        `${head}${outputs.get(options)![file]}${tail}`,
    );
    if (process.env.DATAPLANE_UPDATE_README === "1") {
      writeFileSync(README, fresh);
      readme = fresh;
    }
    expect(readme).toBe(fresh);
  });
});
