import type { DataPlaneItem } from "../contract/item.js";
import type { DataPlanePlugin } from "../contract/plugin.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";

/** Which package a plugin came from, for the messages (`dataplane-plugin-tables@0.1.0`). */
export interface GuardOrigin {
  readonly packageName?: string;
  readonly packageVersion?: string;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && typeof (value as { then?: unknown }).then === "function")
    return "a Promise";
  if (typeof value === "object") return "an object that is not async iterable";
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const GUARDED = Symbol.for("dataplane.guarded-plugin");

/**
 * Wraps a plugin so that a call into it that breaks the contract — `discover` not returning an
 * AsyncIterable or yielding something that is not an item, `generate` not resolving to
 * `{ files, variables }`, `replicate` not resolving to a `ReplicationResult` — fails with one
 * `DP_PLUGIN_CONTRACT` error naming the plugin, its package, the method and the shape the
 * contract expects, instead of a `TypeError` deep in the host. Everything else reads through.
 */
export function guardPlugin(plugin: DataPlanePlugin, origin: GuardOrigin = {}): DataPlanePlugin {
  if ((plugin as unknown as Record<symbol, unknown>)[GUARDED]) return plugin;
  const who = `plugin ${JSON.stringify(plugin.name)}${
    origin.packageName
      ? ` (${origin.packageName}${origin.packageVersion ? `@${origin.packageVersion}` : ""})`
      : ""
  }`;
  const violation = (method: string, what: string, expected: string) =>
    new DataplaneError(
      ErrorCodes.PluginContract,
      `${who}: ${method} ${what}; the plugin contract expects ${expected}`,
      {
        hint: `This is a defect in ${origin.packageName ?? `the plugin ${plugin.name}`}: report it to its authors, or update it (its authors can run @dataplane/testing's describePluginConformance to find such defects)`,
        details: { plugin: plugin.name, method },
      },
    );

  const kinds = new Set(plugin.itemKinds);
  const checkItem = (item: unknown, index: number): DataPlaneItem => {
    const at = `discover(…) yielded ${index === 0 ? "as its first item" : `as item ${index + 1}`}`;
    const expected =
      "items { kind, key, name, properties, sourceResourceId } with kind one of its itemKinds and a string key";
    if (!isObject(item)) throw violation(at, describeValue(item), expected);
    if (typeof item.key !== "string" || item.key.length === 0)
      throw violation(at, `an item whose key is ${describeValue(item.key)}`, expected);
    if (typeof item.kind !== "string" || !kinds.has(item.kind))
      throw violation(
        at,
        `an item (${item.key}) of kind ${JSON.stringify(item.kind)}, not one of its itemKinds (${[...kinds].join(", ")})`,
        expected,
      );
    if (typeof item.name !== "string")
      throw violation(at, `an item (${item.key}) without a string name`, expected);
    if (!isObject(item.properties))
      throw violation(
        at,
        `an item (${item.key}) whose properties are ${describeValue(item.properties)}`,
        expected,
      );
    return item as unknown as DataPlaneItem;
  };

  const discover: DataPlanePlugin["discover"] = (resource, context) => {
    const returned: unknown = plugin.discover(resource, context);
    if (
      returned === null ||
      typeof returned !== "object" ||
      typeof (returned as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== "function"
    ) {
      throw violation(
        "discover(resource, context)",
        `returned ${describeValue(returned)}`,
        "an AsyncIterable of items (write it as an async generator: async *discover(resource, context) { … yield item; })",
      );
    }
    const source = returned as AsyncIterable<unknown>;
    return {
      async *[Symbol.asyncIterator]() {
        let index = 0;
        for await (const item of source) yield checkItem(item, index++);
      },
    };
  };

  const generate: DataPlanePlugin["generate"] = async (items, format, context) => {
    const output: unknown = await plugin.generate(items, format, context);
    const expected =
      "a Promise of { files: { [fileName]: string }, variables: RequiredVariable[], warnings?: string[] }";
    if (!isObject(output))
      throw violation(
        `generate(items, "${format}", context)`,
        `resolved to ${describeValue(output)}`,
        expected,
      );
    if (!isObject(output.files) || Object.values(output.files).some((c) => typeof c !== "string"))
      throw violation(
        `generate(items, "${format}", context)`,
        "resolved to files that are not file name → text",
        expected,
      );
    if (!Array.isArray(output.variables))
      throw violation(
        `generate(items, "${format}", context)`,
        `resolved to variables that are ${describeValue(output.variables)}`,
        expected,
      );
    return output as unknown as Awaited<ReturnType<DataPlanePlugin["generate"]>>;
  };

  const replicate: DataPlanePlugin["replicate"] = async (source, target, context) => {
    const result: unknown = await plugin.replicate(source, target, context);
    const expected = "a Promise of a ReplicationResult (what context.engine.run(steps, info) returns)";
    if (!isObject(result))
      throw violation("replicate(source, target, context)", `resolved to ${describeValue(result)}`, expected);
    const counts = result.counts;
    if (!isObject(counts) || typeof counts.failed !== "number" || typeof counts.discovered !== "number")
      throw violation("replicate(source, target, context)", "resolved to a result without counts", expected);
    if (!Array.isArray(result.errors) || !Array.isArray(result.warnings))
      throw violation(
        "replicate(source, target, context)",
        "resolved to a result without errors and warnings lists",
        expected,
      );
    return result as unknown as Awaited<ReturnType<DataPlanePlugin["replicate"]>>;
  };

  const overrides: Record<string | symbol, unknown> = { [GUARDED]: true };
  if (typeof plugin.discover === "function") overrides.discover = discover;
  if (typeof plugin.generate === "function") overrides.generate = generate;
  if (typeof plugin.replicate === "function") overrides.replicate = replicate;
  return new Proxy(plugin, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property];
      return Reflect.get(target, property, receiver);
    },
  });
}
