import type {
  DataPlaneItem,
  DataPlanePlugin,
  GeneratedOutput,
  IacFormat,
  OptionValues,
  ReplicationResult,
  Verb,
} from "@dataplane/core";
import { CapturingSession } from "./capture.js";
import type { ConformanceEnvironment } from "./options.js";

/** Option values for one verb as the CLI passes them: declared defaults, then the given values. */
export function optionsFor(
  plugin: DataPlanePlugin,
  verb: Verb,
  given: OptionValues | undefined,
): OptionValues {
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const spec of plugin.options ?? []) {
    if (!spec.verbs.includes(verb)) continue;
    const value = given?.[spec.name] ?? spec.default;
    if (value !== undefined) values[spec.name] = value;
  }
  return values;
}

/** What one plugin needs to run a verb: itself, its environment, the options. */
export interface Subject {
  readonly plugin: DataPlanePlugin;
  readonly env: ConformanceEnvironment;
  readonly options: OptionValues | undefined;
}

export function captureFor(env: ConformanceEnvironment): CapturingSession {
  return new CapturingSession([env.sourceAccess, env.targetAccess]);
}

/** Runs discover to the end and returns every item. */
export async function discoverAll(
  subject: Subject,
  capture: CapturingSession,
  side: "source" | "target" = "source",
): Promise<DataPlaneItem[]> {
  const { plugin, env } = subject;
  const resource = side === "source" ? env.source : env.target;
  const access = side === "source" ? env.sourceAccess : env.targetAccess;
  const context = capture.session.discoverContext(access, optionsFor(plugin, "discover", subject.options));
  const items: DataPlaneItem[] = [];
  for await (const item of plugin.discover(resource, context)) items.push(item);
  return items;
}

/** Streams the items to generate, as the CLI does (an async iterable, not an array). */
async function* stream(items: readonly DataPlaneItem[]): AsyncIterable<DataPlaneItem> {
  yield* items;
}

export async function generateFrom(
  subject: Subject,
  capture: CapturingSession,
  items: readonly DataPlaneItem[],
  format: IacFormat,
): Promise<GeneratedOutput> {
  const context = capture.session.generateContext(
    "replication",
    optionsFor(subject.plugin, "generate", subject.options),
  );
  return subject.plugin.generate(stream(items), format, context);
}

export async function replicate(
  subject: Subject,
  capture: CapturingSession,
  dryRun: boolean,
): Promise<ReplicationResult> {
  const { plugin, env } = subject;
  const context = capture.session.replicateContext(env.sourceAccess, env.targetAccess, {
    mode: "replication",
    dryRun,
    onConflict: "skip",
    options: optionsFor(plugin, "replicate", subject.options),
    onOutcome: capture.onOutcome,
  });
  return plugin.replicate(env.source, env.target, context);
}

/** Keys of outcomes that wrote (created or updated), with their reasons. */
export function writesIn(reportLines: readonly string[]): string[] {
  const writes: string[] = [];
  for (const line of reportLines) {
    const outcome = JSON.parse(line) as { key: string; status: string; reason?: string };
    if (outcome.status === "created" || outcome.status === "updated") {
      writes.push(`${outcome.key} ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ""}`);
    }
  }
  return writes;
}

/** Total of planned actions in a result, by action name. */
export function plannedActions(result: ReplicationResult): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const actions of Object.values(result.plan)) {
    for (const [action, n] of Object.entries(actions)) totals[action] = (totals[action] ?? 0) + n;
  }
  return totals;
}

/** The first path at which two JSON values differ (`$.tables[2].etag`), or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = "$"): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return `${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length) return `${path}[${i}]: added ${JSON.stringify(b[i])}`;
      if (i >= b.length) return `${path}[${i}]: removed ${JSON.stringify(a[i])}`;
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (!(key in bo)) return `${path}.${key}: removed`;
    if (!(key in ao)) return `${path}.${key}: added ${JSON.stringify(bo[key])}`;
    const d = firstDifference(ao[key], bo[key], `${path}.${key}`);
    if (d) return d;
  }
  return undefined;
}

/** A snapshot as JSON would keep it, so Dates and undefined compare as they would be stored. */
export async function snapshot(env: ConformanceEnvironment): Promise<unknown> {
  const value = await env.snapshotTarget();
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}
