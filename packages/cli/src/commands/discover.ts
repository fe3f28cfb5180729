import { resolve } from "node:path";
import { type DataPlaneItem, filterItems, Session, type Side } from "@dataplane/core";
import { buildSideAccess, type CredentialFlags } from "../config/credentials.js";
import type { CommandEnv } from "../env.js";
import { explainServiceError } from "../host/explain.js";
import { itemFilter } from "../host/filters.js";
import { checkOutputPath } from "../host/paths.js";
import { preflightEndpoints } from "../host/preflight.js";
import { readOneResource } from "../host/resources.js";
import { AtomicFile } from "../output/atomic.js";
import { renderTable } from "../output/table.js";

export interface DiscoverFlags extends CredentialFlags {
  readonly side?: Side;
  readonly out?: string;
  readonly include?: string[];
  readonly exclude?: string[];
  readonly [key: string]: unknown;
}

/** One discovered item as written by `--out` and `--json` (and read by `generate --items`). */
export interface DiscoveredLine {
  readonly type: "item";
  readonly plugin: string;
  readonly resourceId: string;
  readonly item: DataPlaneItem;
}

/** `dataplane discover <resource.json>`: streams the items of a resource through every plugin that serves it. */
export async function discoverCommand(
  env: CommandEnv,
  resourcePath: string,
  flags: DiscoverFlags,
): Promise<number> {
  const resource = readOneResource(resourcePath, env.io.cwd, "resource document");
  const plugins = env.host.registry.requirePluginsFor(resource);
  const filter = itemFilter(flags, plugins);
  const side: Side = flags.side ?? "source";
  const access = buildSideAccess(side, resource, env.config, flags, env.redactor);
  if (flags.out) checkOutputPath("--out", flags.out, env.io.cwd, "file");
  await preflightEndpoints([{ side, resource, access, plugins }]);
  const progress = env.flags.json ? undefined : env.progress("discover");
  const session = new Session({
    logger: env.logger,
    redactor: env.redactor,
    ...(progress ? { progress } : {}),
  });
  const out = flags.out ? new AtomicFile(resolve(env.io.cwd, flags.out)) : undefined;
  const counts = new Map<string, { plugin: string; kind: string; count: number; bytes: number }>();
  try {
    for (const plugin of plugins) {
      const context = session.discoverContext(access, env.pluginOptions(plugin, "discover", flags));
      try {
        const mine = filter?.forPlugin(plugin);
        for await (const item of filterItems(plugin.discover(resource, context), mine, (i) => i.key)) {
          const line: DiscoveredLine = { type: "item", plugin: plugin.name, resourceId: resource.id, item };
          const text = env.redactor.redact(JSON.stringify(line));
          if (env.flags.json) env.io.stdout(`${text}\n`);
          out?.write(`${text}\n`);
          if (env.flags.verbose && !env.flags.json) env.io.stdout(`${item.kind}\t${item.key}\n`);
          const k = `${plugin.name}\u0000${item.kind}`;
          const c = counts.get(k) ?? { plugin: plugin.name, kind: item.kind, count: 0, bytes: 0 };
          c.count++;
          c.bytes += item.sizeBytes ?? 0;
          counts.set(k, c);
          session.progress.emit({ type: "discovered", plugin: plugin.name, kind: item.kind, key: item.key });
        }
      } catch (error) {
        throw explainServiceError(error, {
          plugin,
          verb: "discover",
          resources: { [side]: resource },
          governor: session.governor,
          defaultSide: side,
          access: { [side]: access },
        });
      }
    }
    out?.commit();
  } catch (error) {
    out?.discard();
    throw error;
  } finally {
    progress?.stop();
  }
  const rows = [...counts.values()];
  if (env.flags.json) {
    env.io.stdout(`${JSON.stringify({ type: "summary", resourceId: resource.id, counts: rows })}\n`);
  } else if (!env.flags.quiet) {
    env.io.stdout(
      `${renderTable(
        ["PLUGIN", "KIND", "ITEMS", "BYTES"],
        rows.map((r) => [r.plugin, r.kind, r.count, r.bytes]),
      )}\n${rows.length === 0 ? "(no items)\n" : ""}${flags.out ? `items written to ${flags.out}\n` : ""}`,
    );
  }
  return 0;
}
