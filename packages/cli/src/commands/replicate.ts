import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type AzureResource,
  type ConflictPolicy,
  type DataPlanePlugin,
  DataplaneError,
  ErrorCodes,
  FileJournal,
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
import { readOneResource, readResources } from "../host/resources.js";
import { formatBytes, renderTable } from "../output/table.js";

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
  readonly retryDelay?: string;
  readonly shard?: string;
  readonly checkpoint?: string;
  readonly resume?: boolean;
  /** Mirror mode: delete from the target what the source no longer has. */
  readonly deleteExtraneous?: boolean;
  readonly report?: string;
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

/** The source → target pairs of this run, and the sources left out (with the reason). */
function planPairs(env: CommandEnv, flags: ReplicateFlags): { pairs: Pair[]; skipped: SkippedResource[] } {
  const { registry } = env.host;
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
      `${r.plugin}: ${r.sourceResourceId} → ${r.targetResourceId} (${r.mode}${r.dryRun ? ", dry run" : ""}, ${r.durationSeconds.toFixed(1)} s${r.bytes > 0 ? `, ${formatBytes(r.bytes)}` : ""})`,
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
      const rows = Object.entries(r.byKind).map(([kind, c]) => [
        kind,
        c.discovered,
        c.created,
        c.updated,
        c.skipped,
        c.failed,
      ]);
      rows.push([
        "total",
        r.counts.discovered,
        r.counts.created,
        r.counts.updated,
        r.counts.skipped,
        r.counts.failed,
      ]);
      lines.push(renderTable(["KIND", "DISCOVERED", "CREATED", "UPDATED", "SKIPPED", "FAILED"], rows));
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
        skipped.map((s) => [s.id, s.type, s.reason]),
      ),
    );
  }
  env.io.stdout(`${lines.join("\n").replace(/^\n/, "")}\n`);
}

/** `dataplane replicate`: plan → apply from sources to targets, with every engine mechanism. */
export async function replicateCommand(
  env: CommandEnv,
  flags: ReplicateFlags,
  signal: AbortSignal,
): Promise<number> {
  // Everything that can be wrong with the input is checked before anything is written.
  const shard: Shard | undefined = flags.shard ? parseShard(flags.shard) : undefined;
  const defaults = env.config.config.defaults ?? {};
  const mode: ReplicationMode = flags.mode ?? defaults.mode ?? "replication";
  const onConflict: ConflictPolicy = flags.onConflict ?? defaults.onConflict ?? "skip";
  const maxInFlight = positiveInt(flags.maxInFlight, "max-in-flight") ?? defaults.maxInFlight;
  const rate = flags.rate === undefined ? defaults.rate : positiveInt(flags.rate, "rate");
  const maxRetries = nonNegativeInt(flags.maxRetries, "max-retries");
  const retryDelay = positiveInt(flags.retryDelay, "retry-delay");
  if (flags.resume && flags.dryRun) {
    throw new DataplaneError(ErrorCodes.InvalidInput, "--resume and --dry-run cannot be combined", {
      hint: "A dry run writes no checkpoint; drop one of them",
    });
  }
  const { pairs, skipped } = planPairs(env, flags);
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
  const pluginOptions = new Map(
    pairs.flatMap((p) => p.plugins).map((p) => [p.name, env.pluginOptions(p, "replicate", flags)]),
  );

  const progress = env.progress();
  const session = new Session({
    logger: env.logger,
    redactor: env.redactor,
    progress,
    signal,
    governor: {
      ...(maxRetries !== undefined ? { maxRetries } : {}),
      ...(retryDelay !== undefined ? { baseDelayMs: retryDelay } : {}),
      ...(maxInFlight !== undefined ? { maxInFlight } : {}),
      ...(rate !== undefined ? { ratePerSecond: rate } : {}),
    },
  });
  const report = flags.report ? new ReportWriter(resolve(env.io.cwd, flags.report), env.redactor) : undefined;
  const checkpointDir = resolve(env.io.cwd, flags.checkpoint ?? join(".dataplane", "checkpoints"));
  const results: ReplicationResult[] = [];
  try {
    for (const pair of pairs) {
      const access = accesses.get(pair)!;
      for (const plugin of pair.plugins) {
        if (signal.aborted) break;
        const context = session.replicateContext(access.source, access.target, {
          mode,
          dryRun: flags.dryRun ?? false,
          onConflict,
          ...(maxInFlight !== undefined ? { maxInFlight } : {}),
          ...(shard ? { shard } : {}),
          ...(flags.deleteExtraneous ? { deleteExtraneous: true } : {}),
          options: pluginOptions.get(plugin.name) ?? {},
          checkpoint: (identity) => {
            const id = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16);
            return FileJournal.open(join(checkpointDir, `${id}.jsonl`), identity, {
              resume: flags.resume ?? false,
              redactor: env.redactor,
            });
          },
          ...(report ? { onOutcome: (run, outcome) => report.record(run, outcome) } : {}),
          explainError: (error) =>
            explainServiceError(error, {
              plugin,
              verb: mode,
              resources: { source: pair.source, target: pair.target },
              governor: session.governor,
            }),
        });
        try {
          results.push(await plugin.replicate(pair.source, pair.target, context));
        } catch (error) {
          throw explainServiceError(error, {
            plugin,
            verb: mode,
            resources: { source: pair.source, target: pair.target },
            governor: session.governor,
          });
        }
      }
    }
  } catch (error) {
    progress.stop();
    report?.discard();
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
    interrupted: signal.aborted,
  };
  await report?.finish(summary, results);
  if (env.flags.json) {
    env.io.stdout(`${env.redactor.redact(JSON.stringify({ type: "summary", ...summary, results }))}\n`);
  } else {
    summarize(env, results, skipped, flags.dryRun ?? false);
    if (flags.report) env.io.stdout(`report written to ${flags.report}\n`);
  }
  return failed > 0 || signal.aborted || results.some((r) => !r.success) ? 1 : 0;
}
