import { isDeepStrictEqual } from "node:util";
import { type DataPlaneItem, sameResourceType } from "@dataplane/core";
import { ConformanceFailure, listSome } from "../failure.js";
import { captureFor, discoverAll, optionsFor } from "../operations.js";
import type { ConformanceCheckName } from "../options.js";
import type { ConformanceRun } from "../run.js";

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof (value as { then?: unknown }).then === "function") return "a Promise";
  return typeof value === "object" ? "an object that is not async-iterable" : `a ${typeof value}`;
}

/** Problems with one item's shape; `seen` collects keys to find duplicates. */
function itemProblems(item: DataPlaneItem, kinds: ReadonlySet<string>, sourceId: string): string[] {
  const problems: string[] = [];
  const label = typeof item?.key === "string" ? item.key : JSON.stringify(item?.key);
  if (typeof item !== "object" || item === null) return [`an item is ${describeValue(item)}`];
  if (!kinds.has(item.kind)) problems.push(`${label}: kind ${JSON.stringify(item.kind)} is not in itemKinds`);
  if (typeof item.key !== "string" || item.key.length === 0)
    problems.push(`an item of kind ${item.kind} has no key`);
  if (typeof item.name !== "string") problems.push(`${label}: name is not a string`);
  if (item.sourceResourceId !== sourceId) {
    problems.push(
      `${label}: sourceResourceId is ${JSON.stringify(item.sourceResourceId)}, not the resource's id`,
    );
  }
  if (
    item.sizeBytes !== undefined &&
    !(typeof item.sizeBytes === "number" && Number.isFinite(item.sizeBytes) && item.sizeBytes >= 0)
  ) {
    problems.push(`${label}: sizeBytes ${String(item.sizeBytes)} is not a number of bytes`);
  }
  if (typeof item.properties !== "object" || item.properties === null || Array.isArray(item.properties)) {
    problems.push(`${label}: properties is not an object`);
  } else {
    let copy: unknown;
    try {
      copy = JSON.parse(JSON.stringify(item.properties));
    } catch (error) {
      problems.push(`${label}: properties cannot be written as JSON (${(error as Error).message})`);
    }
    if (copy !== undefined && !isDeepStrictEqual(copy, item.properties)) {
      problems.push(
        `${label}: properties do not survive JSON (a Date, undefined, NaN, a Map or a class instance?): checkpoints, --out files and generate --items would lose them`,
      );
    }
  }
  return problems;
}

/**
 * `discover` returns an AsyncIterable (not an array, not a promise of one), so a million items
 * stream; stops cleanly when the consumer stops early; every item has a declared kind, a unique
 * key that is the same on a second run, a name, JSON-serialisable properties and the resource's id.
 */
export async function streamingDiscovery(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const subject = await run.subject(check);
  const { plugin, env } = subject;
  for (const [role, resource] of [
    ["source", env.source],
    ["target", env.target],
  ] as const) {
    const served =
      plugin.resourceTypes.some((t) => sameResourceType(t, resource.type)) &&
      (plugin.supports ? plugin.supports(resource) : true);
    if (!served) {
      throw new ConformanceFailure(
        check,
        `plugin ${plugin.name} does not serve the ${role} ${resource.type} ${resource.name}`,
      );
    }
  }

  const capture = captureFor(env);
  const context = capture.session.discoverContext(
    env.sourceAccess,
    optionsFor(plugin, "discover", subject.options),
  );
  const returned: unknown = plugin.discover(env.source, context);
  const iterable = returned as AsyncIterable<DataPlaneItem> | null;
  if (
    Array.isArray(returned) ||
    typeof (returned as { then?: unknown } | null)?.then === "function" ||
    typeof iterable?.[Symbol.asyncIterator] !== "function"
  ) {
    throw new ConformanceFailure(
      check,
      `discover returned ${describeValue(returned)}; it must return an AsyncIterable, e.g. \`async *discover(resource, context) { … yield item; }\`, so items stream instead of being held in memory`,
    );
  }

  // Stop after the first item: the iterator must close without error.
  const early = iterable![Symbol.asyncIterator]();
  const first = await early.next();
  try {
    await early.return?.();
  } catch (error) {
    throw new ConformanceFailure(
      check,
      `discover failed when its consumer stopped early: ${capture.describeError(error)}`,
    );
  }

  const kinds = new Set(plugin.itemKinds);
  const problems: string[] = [];
  const keys = new Set<string>();
  const duplicates = new Set<string>();
  const items = await discoverAll(subject, capture);
  for (const item of items) {
    problems.push(...itemProblems(item, kinds, env.source.id));
    if (typeof item?.key === "string") {
      if (keys.has(item.key)) duplicates.add(item.key);
      keys.add(item.key);
    }
  }
  if (first.done || items.length === 0) {
    problems.push(
      "the source yielded no items: seed the environment's source so the checks have something to prove",
    );
  }
  if (duplicates.size > 0) problems.push(`keys are not unique: ${listSome([...duplicates])}`);

  const again = new Set((await discoverAll(subject, captureFor(env))).map((i) => i.key));
  const lost = [...keys].filter((k) => !again.has(k));
  const gained = [...again].filter((k) => !keys.has(k));
  if (lost.length > 0 || gained.length > 0) {
    problems.push(
      `keys are not stable: a second discovery of the unchanged source ${lost.length > 0 ? `lost ${listSome(lost)}` : ""}${lost.length > 0 && gained.length > 0 ? " and " : ""}${gained.length > 0 ? `gained ${listSome(gained)}` : ""}`,
    );
  }
  if (problems.length > 0) throw new ConformanceFailure(check, listSome(problems, 10));
}
