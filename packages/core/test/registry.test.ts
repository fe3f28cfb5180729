import { describe, expect, it } from "vitest";
import { type DataPlanePlugin, isDataplaneError, PluginRegistry } from "../src/index.js";

function plugin(
  name: string,
  types: string[],
  kinds: string[],
  extra: Partial<DataPlanePlugin> = {},
): DataPlanePlugin {
  return {
    name,
    version: "1.0.0",
    resourceTypes: types,
    itemKinds: kinds,
    async *discover() {},
    async generate() {
      return { files: {}, variables: [] };
    },
    async replicate() {
      throw new Error("not used");
    },
    ...extra,
  };
}

const vault = {
  id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v",
  type: "microsoft.keyvault/VAULTS",
  name: "v",
};

describe("plugin registry", () => {
  it("matches resource types case-insensitively", () => {
    const r = new PluginRegistry();
    r.register(plugin("kv", ["Microsoft.KeyVault/vaults"], ["secret"]));
    expect(r.pluginsFor(vault).map((p) => p.name)).toEqual(["kv"]);
    expect(r.getPluginForResource(vault).name).toBe("kv");
  });

  it("serves one type with several plugins when their item kinds differ", () => {
    const r = new PluginRegistry();
    r.register(plugin("blobs", ["Microsoft.Storage/storageAccounts"], ["blob", "container"]));
    r.register(plugin("tables", ["Microsoft.Storage/storageAccounts"], ["table-entity"]));
    const account = { id: "/x", type: "Microsoft.Storage/storageAccounts", name: "a" };
    expect(r.pluginsFor(account).map((p) => p.name)).toEqual(["blobs", "tables"]);
    expect(() => r.getPluginForResource(account)).toThrow(/2 plugins serve/);
  });

  it("refuses a second claim of the same type and item kind", () => {
    const r = new PluginRegistry();
    r.register(plugin("first", ["Microsoft.KeyVault/vaults"], ["secret"]));
    let error: unknown;
    try {
      r.register(plugin("second", ["microsoft.keyvault/vaults"], ["key", "secret"]));
    } catch (e) {
      error = e;
    }
    expect(isDataplaneError(error) && error.code).toBe("DP_PLUGIN_CONFLICT");
    expect(String((error as Error).message)).toMatch(
      /second claims microsoft.keyvault\/vaults items of kind "secret", already served by first/,
    );
    expect(r.list().map((p) => p.plugin.name)).toEqual(["first"]);
  });

  it("chooses among plugins of one type by their kind predicate", () => {
    const r = new PluginRegistry();
    r.register(
      plugin("v2", ["Microsoft.Storage/storageAccounts"], ["blob"], {
        supports: (res) => res.kind === "StorageV2",
      }),
    );
    r.register(
      plugin("legacy", ["Microsoft.Storage/storageAccounts"], ["blob"], {
        supports: (res) => res.kind === "Storage",
      }),
    );
    const base = { id: "/x", type: "Microsoft.Storage/storageAccounts", name: "a" };
    expect(r.pluginsFor({ ...base, kind: "StorageV2" }).map((p) => p.name)).toEqual(["v2"]);
    expect(r.pluginsFor({ ...base, kind: "Storage" }).map((p) => p.name)).toEqual(["legacy"]);
    expect(() => r.requirePluginsFor({ ...base, kind: "BlobStorage" })).toThrow(
      /no installed plugin supports .* of kind BlobStorage/,
    );
  });

  it("names what is installed when no plugin serves a type", () => {
    const r = new PluginRegistry();
    r.register(plugin("kv", ["Microsoft.KeyVault/vaults"], ["secret"]));
    let error: unknown;
    try {
      r.requirePluginsFor({ id: "/x", type: "Microsoft.Sql/servers", name: "s" });
    } catch (e) {
      error = e;
    }
    expect(isDataplaneError(error) && error.code).toBe("DP_NO_PLUGIN");
    expect((error as Error).message).toBe(
      "no plugin installed for type Microsoft.Sql/servers (installed: kv (Microsoft.KeyVault/vaults))",
    );
    expect((error as { hint?: string }).hint).toMatch(/npm install/);
  });

  it("refuses an invalid shape with the path of what is wrong", () => {
    const r = new PluginRegistry();
    const bad = { ...plugin("bad", ["not-a-type"], []), discover: "nope" } as unknown as DataPlanePlugin;
    expect(() => r.register(bad)).toThrow(
      /resourceTypes.0: must look like Namespace\/type.*itemKinds.*discover: must be a function/,
    );
  });
});
