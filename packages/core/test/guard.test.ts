import { describe, expect, it } from "vitest";
import {
  type DataPlanePlugin,
  type DiscoverContext,
  type GenerateContext,
  guardPlugin,
  type ReplicateContext,
} from "../src/index.js";

// guardPlugin is pure wrapping: these plugins are plain objects, the contexts never touched.
const resource = {
  id: "/subscriptions/s/resourceGroups/g/providers/Example.Box/boxes/b",
  type: "Example.Box/boxes",
  name: "b",
};
const discoverContext = {} as DiscoverContext;
const generateContext = {} as GenerateContext;
const replicateContext = {} as ReplicateContext;

class BoxPlugin {
  readonly name = "box";
  readonly version = "1.0.0";
  readonly resourceTypes = ["Example.Box/boxes"];
  readonly itemKinds = ["thing"];
  readonly seen: string[] = [];
  async *discover() {
    this.seen.push("discover"); // `this` is the plugin: methods keep their receiver
    yield { kind: "thing", key: "thing/a", name: "a", properties: {}, sourceResourceId: resource.id };
  }
  async generate() {
    return { files: { "main.tf": "" }, variables: [] };
  }
  async replicate(): Promise<never> {
    return undefined as never;
  }
}

describe("guardPlugin", () => {
  it("reads everything through, and passes a plugin that keeps the contract unchanged", async () => {
    const raw = new BoxPlugin();
    const guarded = guardPlugin(raw as unknown as DataPlanePlugin, {
      packageName: "box-plugin",
      packageVersion: "2.0.0",
    });
    expect([guarded.name, guarded.version, guarded.itemKinds]).toEqual(["box", "1.0.0", ["thing"]]);
    const keys: string[] = [];
    for await (const item of guarded.discover(resource, discoverContext)) keys.push(item.key);
    expect(keys).toEqual(["thing/a"]);
    expect(raw.seen).toEqual(["discover"]);
    expect(await guarded.generate([], "terraform", generateContext)).toEqual({
      files: { "main.tf": "" },
      variables: [],
    });
    expect(guardPlugin(guarded)).toBe(guarded);
  });

  it("names the plugin, its package, the method and the expected shape", async () => {
    const guarded = guardPlugin(new BoxPlugin() as unknown as DataPlanePlugin, {
      packageName: "box-plugin",
      packageVersion: "2.0.0",
    });
    await expect(guarded.replicate(resource, resource, replicateContext)).rejects.toMatchObject({
      code: "DP_PLUGIN_CONTRACT",
      message:
        'plugin "box" (box-plugin@2.0.0): replicate(source, target, context) resolved to undefined; the plugin contract expects a Promise of a ReplicationResult (what context.engine.run(steps, info) returns)',
    });
    const arrays = guardPlugin({ ...new BoxPlugin(), discover: () => [] } as unknown as DataPlanePlugin);
    expect(() => arrays.discover(resource, discoverContext)).toThrow(
      /^plugin "box": discover\(resource, context\) returned an array; the plugin contract expects an AsyncIterable/,
    );
  });
});
