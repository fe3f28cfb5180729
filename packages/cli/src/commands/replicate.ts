import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type AzureResource,
  acquireRunLock,
  type ConflictPolicy,
  type DataPlanePlugin,
  DataplaneError,
  type DataplaneErrorLike,
  defaultStateDir,
  ErrorCodes,
  ExitCodes,
  FileJournal,
  formatError,
  isCouldNotRun,
  isDataplaneError,
  type KindCounts,
  parseShard,
  type ReplicationMode,
  type ReplicationResult,
  ReportWriter,
  Session,
  type Shard,
  type SideAccess,
  sameResourceType,
} from "@dataplane/core";
import { buildSideAccess } from "../config/credentials.js";
import type { CommandEnv } from "../env.js";
import { explainServiceError } from "../host/explain.js";
import { itemFilter } from "../host/filters.js";
import { checkOutputPath } from "../host/paths.js";
import { preflightEndpoints } from "../host/preflight.js";
import { readOneResource, readResources } from "../host/resources.js";
import { countOf } from "../output/progress.js";
import { formatBytes, renderTable, shortResourceId } from "../output/table.js";

export interface ReplicateFlags {
  readonly source?: string;
  readonly target?: string;
  readonly resources?: string;
  readonly targets?: string;
  readonly mapping?: string;
  readonly map?: string[];
  readonly mode?: ReplicationMode;
  readonly dryRun?: boolean;
  readonly onConflict?: ConflictPolicy;
  readonly maxInFlight?: string;
  readonly rate?: string;
  readonly maxRetries?: string;
  readonly serverErrorRetries?: string;
  readonly retryDelay?: string;
  readonly maxRetryDelay?: string;
  readonly unreachableAfter?: string;
  readonly stopGrace?: string;
  readonly shard?: string;
  readonly checkpoint?: string;
  readonly resume?: boolean;
  /** Mirror mode: delete from the target what the source no longer has. */
  readonly deleteExtraneous?: boolean;
  readonly report?: string;
  readonly include?: string[];
  readonly exclude?: string[];
  readonly sourceCredential?: string;
  readonly sourceTenant?: string;
  readonly targetCredential?: string;
  readonly targetTenant?: string;
  readonly [key: string]: unknown;
}

interface Pair {
  readonly source: AzureResource;
  readonly target: AzureResource;
  readonly plugins: DataPlanePlugin[];
}

interface SkippedResource {
  readonly id: string;
  readonly type: string;
  readonly reason: string;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `--${flag} expects a whole number ≥ 1, got ${JSON.stringify(value)}`,
      {
        hint: `e.g. --${flag} 32`,
      },
    );
  }
  return n;
}

function nonNegativeInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `--${flag} expects a whole number ≥ 0, got ${JSON.stringify(value)}`,
      {
        hint: `e.g. --${flag} 5`,
      },
    );
  }
  return n;
}

function readMapping(env: CommandEnv, flags: ReplicateFlags): Map<string, string> {
  const mapping = new Map<string, string>();
  if (flags.mapping) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(resolve(env.io.cwd, flags.mapping), "utf8"));
    } catch (error) {
      throw new DataplaneError(
        ErrorCodes.InvalidInput,
        `cannot read --mapping ${flags.mapping}: ${(error as Error).message}`,
        {
          hint: 'Give a JSON object { "<source name or id>": "<target name or id>" }',
        },
      );
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new DataplaneError(ErrorCodes.InvalidInput, `--mapping ${flags.mapping} is not a JSON object`, {
        hint: 'Give a JSON object { "<source name or id>": "<target name or id>" }',
      });
    }
    for (const [k, v] of Object.entries(json)) {
      if (typeof v !== "string") {
        throw new DataplaneError(
          ErrorCodes.InvalidInput,
          `--mapping ${flags.mapping}: the target of ${k} is not a string`,
          {
            hint: 'Give a JSON object { "<source name or id>": "<target name or id>" }',
          },
        );
      }
      mapping.set(k.toLowerCase(), v);
    }
  }
  for (const m of flags.map ?? []) {
    const [from, to] = m.split("=");
    if (!from || !to) {
      throw new DataplaneError(ErrorCodes.InvalidInput, `invalid --map ${JSON.stringify(m)}`, {
        hint: "Use --map <source name or id>=<target name or id>",
      });
    }
    mapping.set(from.toLowerCase(), to);
  }
  return mapping;
}

function findResource(list: readonly AzureResource[], ref: string): AzureResource | undefined {
  const lower = ref.toLowerCase();
  return list.find((r) => r.id.toLowerCase() === lower) ?? list.find((r) => r.name.toLowerCase() === lower);
}

/** Copying a resource onto itself would only ever find everything "unchanged", or worse. */
function refuseSame(source: AzureResource, target: AzureResource): void {
  if (source.id.toLowerCase() === target.id.toLowerCase()) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `the source and the target are the same resource (${shortResourceId(source.id)})`,
      { hint: "Give a different target resource" },
    );
  }
}

/** The source → target pairs of this run, and the sources left out (with the reason). */
function planPairs(env: CommandEnv, flags: ReplicateFlags): { pairs: Pair[]; skipped: SkippedResource[] } {
  const { registry } = env.host;
  if ((flags.source || flags.target) && (flags.resources || flags.targets || flags.mapping || flags.map)) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      "--source/--target cannot be combined with --resources/--targets/--mapping/--map",
      {
        hint: "Replicate one pair with --source and --target, or many with --resources and --mapping (or --map); not both",
      },
    );
  }
  if (flags.source || flags.target) {
    if (!flags.source || !flags.target) {
      throw new DataplaneError(ErrorCodes.InvalidInput, "replicate needs both --source and --target", {
        hint: "e.g. dataplane replicate --source source.json --target target.json",
      });
    }
    const source = readOneResource(flags.source, env.io.cwd, "--source");
    const target = readOneResource(flags.target, env.io.cwd, "--target");
    if (!sameResourceType(source.type, target.type)) {
      throw new DataplaneError(
        ErrorCodes.InvalidInput,
        `the source is a ${source.type} but the target is a ${target.type}`,
        {
          hint: "Replicate between resources of the same type",
        },
      );
    }
    return { pairs: [{ source, target, plugins: registry.requirePluginsFor(source) }], skipped: [] };
  }
  if (!flags.resources) {
    throw new DataplaneError(ErrorCodes.InvalidInput, "nothing to replicate", {
      hint: "Give --source and --target, or --resources <file.json> with --mapping <file.json> or --map a=b",
    });
  }
  if (!flags.mapping && (flags.map ?? []).length === 0) {
    throw new DataplaneError(ErrorCodes.InvalidInput, "--resources needs --mapping or --map", {
      hint: 'Say which target each source goes to: --mapping mapping.json ({ "<source>": "<target>" }) or --map <source>=<target>',
    });
  }
  const sources = readResources(flags.resources, env.io.cwd);
  const targets = flags.targets ? readResources(flags.targets, env.io.cwd) : sources;
  const mapping = readMapping(env, flags);
  const pairs: Pair[] = [];
  const skipped: SkippedResource[] = [];
  const targetIds = new Set<string>();
  for (const [from, to] of mapping) {
    if (!findResource(sources, from)) {
      throw new DataplaneError(
        ErrorCodes.InvalidInput,
        `the mapping names a source ${from} that is not in ${flags.resources}`,
        {
          hint: "Fix the mapping or the resources file",
        },
      );
    }
    const t = findResource(targets, to);
    if (!t) {
      throw new DataplaneError(
        ErrorCodes.InvalidInput,
        `the mapping names a target ${to} that is not in ${flags.targets ?? flags.resources}`,
        {
          hint: "Add the target's resource document to --targets (or --resources)",
        },
      );
    }
    targetIds.add(t.id.toLowerCase());
  }
  for (const source of sources) {
    const ref = mapping.get(source.id.toLowerCase()) ?? mapping.get(source.name.toLowerCase());
    if (!ref) {
      if (!targetIds.has(source.id.toLowerCase()))
        skipped.push({ id: source.id, type: source.type, reason: "no target mapped" });
      continue;
    }
    const target = findResource(targets, ref)!;
    const plugins = registry.pluginsFor(source);
    if (plugins.length === 0) {
      skipped.push({
        id: source.id,
        type: source.type,
        reason: `no plugin installed for type ${source.type}`,
      });
      continue;
    }
    if (!sameResourceType(source.type, target.type)) {
      throw new DataplaneError(
        ErrorCodes.InvalidInput,
        `${source.name} (${source.type}) is mapped to ${target.name} (${target.type})`,
        {
          hint: "Map each source to a target of the same type",
        },
      );
    }
    pairs.push({ source, target, plugins });
  }
  return { pairs, skipped };
}

/** The columns of the summary; those after FAILED appear only when a run has some. */
const COLUMNS: readonly {
  readonly title: string;
  readonly count: (c: KindCounts) => number;
  readonly always: boolean;
}[] = [
  { title: "DISCOVERED", count: (c) => c.discovered, always: true },
  { title: "CREATED", count: (c) => c.created, always: true },
  { title: "UPDATED", count: (c) => c.updated, always: true },
  { title: "UNCHANGED", count: (c) => c.unchanged, always: true },
  { title: "CONFLICT", count: (c) => c.conflicts, always: true },
  { title: "UNSUPPORTED", count: (c) => c.unsupported, always: true },
  { title: "FAILED", count: (c) => c.failed, always: true },
  { title: "RESUMED", count: (c) => c.resumed, always: false },
  { title: "DELETED", count: (c) => c.deleted, always: false },
  { title: "NOT FINISHED", count: (c) => c.notFinished, always: false },
];

/** One line per reason an item was not copied, with counts per kind and where to see the items. */
function reasonWarnings(results: readonly ReplicationResult[], flags: ReplicateFlags): string[] {
  const perKind = (count: (c: KindCounts) => number) => {
    const byKind = new Map<string, number>();
    for (const r of results) {
      for (const [kind, c] of Object.entries(r.byKind)) {
        const n = count(c);
        if (n > 0) byKind.set(kind, (byKind.get(kind) ?? 0) + n);
      }
    }
    const total = results.reduce((n, r) => n + count(r.counts), 0);
    return { total, kinds: [...byKind].map(([k, n]) => `${k} ${n}`).join(", ") };
  };
  const see = flags.report ? `see them in ${flags.report}` : "see them with --verbose or --report <file>";
  const lines: string[] = [];
  const conflicts = perKind((c) => c.conflicts);
  if (conflicts.total > 0) {
    lines.push(
      flags.dryRun
        ? `warning: ${countOf(conflicts.total, "conflict")} (${conflicts.kinds}): the target holds a different item of the same name, which a run would leave as it is — ${see}; --on-conflict overwrite replaces them`
        : `warning: ${countOf(conflicts.total, "conflict")} (${conflicts.kinds}): the target holds a different item of the same name and was left as it is — ${see}; --on-conflict overwrite replaces them (exit code 3)`,
    );
  }
  const unsupported = perKind((c) => c.unsupported);
  if (unsupported.total > 0) {
    lines.push(
      `warning: ${countOf(unsupported.total, "item")} not copied, unsupported (${unsupported.kinds}) — ${see}, with the reason`,
    );
  }
  const failed = perKind((c) => c.failed);
  if (failed.total > 0) {
    lines.push(
      `warning: ${countOf(failed.total, "item")} failed (${failed.kinds}) — ${flags.report ? `all in ${flags.report}` : "the first are listed above; all with --report <file>"} (exit code 1)`,
    );
  }
  const notFinished = perKind((c) => c.notFinished);
  if (notFinished.total > 0) {
    lines.push(
      `warning: ${countOf(notFinished.total, "item")} not finished: the run was stopped (${notFinished.kinds}) — run the same command with --resume`,
    );
  }
  return lines;
}

function summarize(
  env: CommandEnv,
  results: readonly ReplicationResult[],
  skipped: readonly SkippedResource[],
  dryRun: boolean,
): void {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      "",
      `${r.plugin}: ${shortResourceId(r.sourceResourceId)} → ${shortResourceId(r.targetResourceId)} (${r.mode}${r.dryRun ? ", dry run" : ""}, ${r.durationSeconds.toFixed(1)} s${r.bytes > 0 ? `, ${formatBytes(r.bytes)}` : ""})`,
    );
    if (dryRun) {
      const rows: (string | number)[][] = [];
      for (const [kind, actions] of Object.entries(r.plan)) {
        for (const [action, count] of Object.entries(actions)) rows.push([kind, action, count]);
      }
      lines.push(
        rows.length > 0 ? renderTable(["KIND", "PLANNED ACTION", "ITEMS"], rows) : "(nothing to do)",
      );
    } else {
      const columns = COLUMNS.filter((c) => c.always || c.count(r.counts) > 0);
      const rows = Object.entries(r.byKind).map(([kind, c]) => [kind, ...columns.map((col) => col.count(c))]);
      rows.push(["total", ...columns.map((col) => col.count(r.counts))]);
      lines.push(renderTable(["KIND", ...columns.map((c) => c.title)], rows));
    }
    for (const w of r.warnings) lines.push(`warning: ${w}`);
    for (const e of r.errors.slice(0, 10)) lines.push(`failed: ${e.kind} ${e.key}: ${e.message} [${e.code}]`);
    if (r.errors.length > 10) lines.push(`… and ${r.counts.failed - 10} more failures (see --report)`);
  }
  if (skipped.length > 0) {
    lines.push(
      "",
      "Resources not processed:",
      renderTable(
        ["RESOURCE", "TYPE", "REASON"],
        skipped.map((s) => [shortResourceId(s.id), s.type, s.reason]),
      ),
    );
  }
  const text = `${lines.join("\n").replace(/^\n/, "")}\n`;
  if (!env.flags.quiet) {
    env.io.stdout(text);
    return;
  }
  // --quiet: only warnings and errors on the screen; the log file still gets the summary
  env.logOnly(text);
  const problems = results.flatMap((r) => [
    ...r.warnings.map((w) => `warning: ${w}`),
    ...r.errors.slice(0, 10).map((e) => `failed: ${e.kind} ${e.key}: ${e.message} [${e.code}]`),
  ]);
  if (problems.length > 0) env.io.stderr(`${problems.join("\n")}\n`);
}

/** "target unreachable since …" names the resource too (a run over many pairs). */
function nameSide(error: DataplaneErrorLike, pair: Pair): unknown {
  const match = /^(source|target) /.exec(error.message);
  if (!match) return error;
  const side = match[1] as "source" | "target";
  return new DataplaneError(
    error.code,
    `${side} ${pair[side].name} ${error.message.slice(match[0].length)}`,
    error.hint ? { hint: error.hint, cause: error } : { cause: error },
  );
}

/** Removes fresh journals that hold no finished item: a run that could not start leaves none. */
function removeEmptyJournals(paths: readonly string[]): void {
  for (const path of paths) {
    try {
      // a finished item is a line with a key and a status (partition lines and markers are not)
      const finished = readFileSync(path, "utf8")
        .split("\n")
        .some((l) => /"k":/.test(l) && /"s":/.test(l));
      if (!finished) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  }
}

/** `dataplane replicate`: plan → apply from sources to targets, with every engine mechanism. */
export async function replicateCommand(
  env: CommandEnv,
  flags: ReplicateFlags,
  signal: AbortSignal,
  stop?: AbortSignal,
): Promise<number> {
  // Everything that can be wrong with the input is checked before anything is written.
  const shard: Shard | undefined = flags.shard ? parseShard(flags.shard) : undefined;
  const defaults = env.config.config.defaults ?? {};
  const mode: ReplicationMode = flags.mode ?? defaults.mode ?? "replication";
  const onConflict: ConflictPolicy = flags.onConflict ?? defaults.onConflict ?? "skip";
  const maxInFlight = positiveInt(flags.maxInFlight, "max-in-flight") ?? defaults.maxInFlight;
  const rate = flags.rate === undefined ? defaults.rate : positiveInt(flags.rate, "rate");
  const maxRetries = nonNegativeInt(flags.maxRetries, "max-retries") ?? defaults.maxRetries;
  const serverErrorRetries =
    nonNegativeInt(flags.serverErrorRetries, "server-error-retries") ?? defaults.serverErrorRetries;
  const retryDelay = positiveInt(flags.retryDelay, "retry-delay");
  const maxRetryDelay = positiveInt(flags.maxRetryDelay, "max-retry-delay") ?? defaults.maxRetryDelay;
  const unreachableAfter =
    positiveInt(flags.unreachableAfter, "unreachable-after") ?? defaults.unreachableAfter;
  const stopGrace = nonNegativeInt(flags.stopGrace, "stop-grace") ?? defaults.stopGrace;
  if (flags.resume && flags.dryRun) {
    throw new DataplaneError(ErrorCodes.InvalidInput, "--resume and --dry-run cannot be combined", {
      hint: "A dry run writes no checkpoint; drop one of them",
    });
  }
  const { pairs, skipped } = planPairs(env, flags);
  const filter = itemFilter(
    flags,
    pairs.flatMap((p) => p.plugins),
  );
  const accesses = new Map<Pair, { source: SideAccess; target: SideAccess }>();
  for (const pair of pairs) {
    accesses.set(pair, {
      source: buildSideAccess(
        "source",
        pair.source,
        env.config,
        { credential: flags.sourceCredential, tenant: flags.sourceTenant },
        env.redactor,
      ),
      target: buildSideAccess(
        "target",
        pair.target,
        env.config,
        { credential: flags.targetCredential, tenant: flags.targetTenant },
        env.redactor,
      ),
    });
  }
  for (const pair of pairs) refuseSame(pair.source, pair.target);
  const pluginOptions = new Map(
    pairs.flatMap((p) => p.plugins).map((p) => [p.name, env.pluginOptions(p, "replicate", flags)]),
  );
  const reportPath = flags.report ? checkOutputPath("--report", flags.report, env.io.cwd, "file") : undefined;
  const checkpointDir = flags.dryRun
    ? resolve(env.io.cwd, flags.checkpoint ?? join(".dataplane", "checkpoints"))
    : checkOutputPath(
        "--checkpoint",
        flags.checkpoint ?? join(".dataplane", "checkpoints"),
        env.io.cwd,
        "dir",
      );
  // Each side's endpoint, once, before anything is listed or written.
  await preflightEndpoints(
    pairs.flatMap((pair) => {
      const access = accesses.get(pair)!;
      return [
        { side: "source" as const, resource: pair.source, access: access.source, plugins: pair.plugins },
        { side: "target" as const, resource: pair.target, access: access.target, plugins: pair.plugins },
      ];
    }),
  );

  const progress = env.progress("replicate");
  const session = new Session({
    logger: env.logger,
    redactor: env.redactor,
    progress,
    signal,
    ...(stop ? { stop } : {}),
    ...(stopGrace !== undefined ? { stopGraceMs: stopGrace * 1000 } : {}),
    governor: {
      ...(maxRetries !== undefined ? { maxRetries } : {}),
      ...(serverErrorRetries !== undefined ? { serverErrorRetries } : {}),
      ...(retryDelay !== undefined ? { baseDelayMs: retryDelay } : {}),
      ...(maxRetryDelay !== undefined ? { maxDelayMs: maxRetryDelay } : {}),
      ...(unreachableAfter !== undefined ? { unreachableAfterMs: unreachableAfter * 1000 } : {}),
      ...(maxInFlight !== undefined ? { maxInFlight } : {}),
      ...(rate !== undefined ? { ratePerSecond: rate } : {}),
    },
  });
  const report = reportPath ? new ReportWriter(reportPath, env.redactor) : undefined;
  const locks = join(defaultStateDir(), "locks");
  const freshJournals: string[] = [];
  const results: ReplicationResult[] = [];
  const interrupted = () => Boolean(stop?.aborted) || signal.aborted;
  try {
    for (const pair of pairs) {
      const access = accesses.get(pair)!;
      for (const plugin of pair.plugins) {
        if (interrupted()) break;
        const context = session.replicateContext(access.source, access.target, {
          mode,
          dryRun: flags.dryRun ?? false,
          onConflict,
          ...(maxInFlight !== undefined ? { maxInFlight } : {}),
          ...(shard ? { shard } : {}),
          ...(flags.deleteExtraneous ? { deleteExtraneous: true } : {}),
          options: pluginOptions.get(plugin.name) ?? {},
          lock: (identity) =>
            acquireRunLock(locks, {
              plugin: identity.plugin,
              target: identity.target,
              shard: identity.shard,
            }),
          checkpoint: (identity) => {
            const id = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16);
            const path = join(checkpointDir, `${id}.jsonl`);
            if (!flags.resume || !existsSync(path)) freshJournals.push(path);
            return FileJournal.open(path, identity, {
              resume: flags.resume ?? false,
              redactor: env.redactor,
            });
          },
          ...(report ? { onOutcome: (run, outcome) => report.record(run, outcome) } : {}),
          ...(filter ? { filter: filter.forPlugin(plugin) } : {}),
          explainError: (error) =>
            explainServiceError(error, {
              plugin,
              verb: mode,
              resources: { source: pair.source, target: pair.target },
              governor: session.governor,
              access: { source: access.source, target: access.target },
            }),
        });
        try {
          results.push(await plugin.replicate(pair.source, pair.target, context));
        } catch (error) {
          if (isDataplaneError(error) && error.code === ErrorCodes.Unreachable) throw nameSide(error, pair);
          throw explainServiceError(error, {
            plugin,
            verb: mode,
            resources: { source: pair.source, target: pair.target },
            governor: session.governor,
            access: { source: access.source, target: access.target },
          });
        }
      }
    }
  } catch (error) {
    progress.stop();
    if (isCouldNotRun(error)) removeEmptyJournals(freshJournals);
    if (isDataplaneError(error) && error.code === ErrorCodes.Unreachable && report) {
      // the run stopped but is resumable: the report keeps what happened (items in flight: not-finished)
      await report.finish(
        {
          mode,
          dryRun: flags.dryRun ?? false,
          shard: shard ? `${shard.index}/${shard.count}` : null,
          resources: pairs.length,
          stopped: formatError(error),
        },
        results,
      );
    } else report?.discard();
    throw error;
  }
  progress.stop();
  const failed = results.reduce((n, r) => n + r.counts.failed, 0);
  const summary = {
    mode,
    dryRun: flags.dryRun ?? false,
    shard: shard ? `${shard.index}/${shard.count}` : null,
    resources: pairs.length,
    failed,
    skippedResources: skipped,
    filters: filter ? filter.spec : null,
    interrupted: interrupted(),
  };
  await report?.finish(summary, results);
  if (env.flags.json) {
    env.io.stdout(`${env.redactor.redact(JSON.stringify({ type: "summary", ...summary, results }))}\n`);
  } else {
    summarize(env, results, skipped, flags.dryRun ?? false);
    if (flags.report && !env.flags.quiet) env.io.stdout(`report written to ${flags.report}\n`);
  }
  if (!env.flags.json) for (const line of reasonWarnings(results, flags)) env.io.stderr(`${line}\n`);
  if (interrupted()) env.io.stderr("interrupted; run the same command with --resume\n");
  if (failed > 0 || interrupted() || results.some((r) => !r.success)) return ExitCodes.ItemFailures;
  // done, but the target does not hold what the source holds: not silently "done"
  if (!flags.dryRun && results.some((r) => r.counts.conflicts > 0)) return ExitCodes.ConflictsLeft;
  return ExitCodes.Done;
}
