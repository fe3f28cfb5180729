import { createHash, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { AzureResource, SideAccess } from "@dataplane/core";
import type { ConformanceEnvironment } from "../../src/index.js";
import { MEMORY_TYPE, memoryStores } from "../fixtures/memory-plugin.js";

type MemoryRecord = { value: string; label: string; version: number };

const stores = memoryStores;

/** The folder of a fixture plugin package. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/plugins/${name}`, import.meta.url));
}

function resource(store: string): AzureResource {
  return {
    id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/test/providers/${MEMORY_TYPE}/${store}`,
    type: MEMORY_TYPE,
    name: store,
    properties: { store },
  };
}

function access(side: "source" | "target", key: string): SideAccess {
  return { side, storage: { type: "sharedKey", accountName: "memory", accountKey: key } };
}

/** A seeded source store and an empty target store, each with its own key; secrets are canaries. */
export function memoryEnvironment(records = 5): () => Promise<ConformanceEnvironment> {
  return async () => {
    const id = randomBytes(4).toString("hex");
    const source = { key: randomBytes(32).toString("base64"), records: new Map<string, MemoryRecord>() };
    const target = { key: randomBytes(32).toString("base64"), records: new Map<string, MemoryRecord>() };
    const canaries: string[] = [];
    for (let i = 0; i < records; i++) {
      const value = `canary-${randomBytes(8).toString("hex")}`;
      canaries.push(value);
      source.records.set(`record-${i}`, { value, label: `label ${i} "quoted" \${not-a-ref}`, version: 1 });
    }
    stores().set(`src-${id}`, source);
    stores().set(`dst-${id}`, target);
    return {
      source: resource(`src-${id}`),
      target: resource(`dst-${id}`),
      sourceAccess: access("source", source.key),
      targetAccess: access("target", target.key),
      canaries,
      async snapshotTarget() {
        return [...target.records]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, r]) => ({
            name,
            label: r.label,
            version: r.version,
            value: createHash("sha256").update(r.value).digest("hex"),
          }));
      },
      async cleanup() {
        stores().delete(`src-${id}`);
        stores().delete(`dst-${id}`);
      },
    };
  };
}
