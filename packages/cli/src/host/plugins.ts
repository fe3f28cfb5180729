import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AzureResource,
  type DataPlanePlugin,
  DataplaneError,
  ErrorCodes,
  findPluginCandidates,
  guardPlugin,
  type LoadReport,
  type Logger,
  loadPlugins,
  type PluginOrigin,
  type PluginRefusal,
  PluginRegistry,
} from "@dataplane/core";

/** The `node_modules` folder the CLI package itself is installed in (a global prefix), if any. */
export function nodeModulesBesideCli(): string | undefined {
  let dir: string;
  try {
    dir = realpathSync(dirname(fileURLToPath(import.meta.url)));
  } catch {
    return undefined;
  }
  // dist/host → package root
  const packageRoot = dirname(dirname(dir));
  let parent = dirname(packageRoot);
  if (basename(parent).startsWith("@")) parent = dirname(parent);
  return basename(parent) === "node_modules" ? parent : undefined;
}

export interface HostPluginsOptions {
  readonly cwd: string;
  /** From --plugin, DATAPLANE_PLUGINS and the config's `plugins`, in that order. */
  readonly explicit: readonly string[];
  readonly logger: Logger;
  /** Tests simulate a contract bump. */
  readonly contractVersion?: string;
}

export interface HostPlugins {
  readonly registry: PluginRegistry;
  readonly report: LoadReport;
  /** Candidates the user named (--plugin, DATAPLANE_PLUGINS, the config's plugins) that were refused. */
  readonly explicitRefusals: readonly PluginRefusal[];
}

/** One line per refusal: the candidate, the reason code and the loader's explanation. */
export function describeRefusals(refusals: readonly PluginRefusal[]): string {
  return refusals
    .map(
      (r) =>
        `${r.candidate}${r.version ? `@${r.version}` : ""}${r.plugin ? ` [${r.plugin}]` : ""} (${r.reason}): ${r.message}`,
    )
    .join("; ");
}

/** The error every command stops with when a plugin the user named was refused (exit 2). */
export function explicitRefusalError(refusals: readonly PluginRefusal[]): DataplaneError {
  const named =
    refusals.length === 1
      ? "a plugin named with --plugin was"
      : `${refusals.length} plugins named with --plugin were`;
  return new DataplaneError(ErrorCodes.PluginRefused, `${named} refused: ${describeRefusals(refusals)}`, {
    hint: "Fix or replace the plugin as the reason says, or stop naming it (--plugin, DATAPLANE_PLUGINS, the config file's plugins); `dataplane plugins` lists every refusal",
    details: { refused: refusals.map((r) => `${r.candidate} (${r.reason})`).join(", ") },
  });
}

/**
 * The CLI's registry: every plugin it hands out is guarded (a run-time contract violation is a
 * `DP_PLUGIN_CONTRACT` error naming the plugin and the method, see core's `guardPlugin`), and no
 * resource is served while a plugin the user named was refused: the refusal is the error.
 */
class HostRegistry extends PluginRegistry {
  readonly #guarded = new WeakMap<DataPlanePlugin, DataPlanePlugin>();
  readonly #origins = new WeakMap<DataPlanePlugin, PluginOrigin>();
  explicitRefusals: readonly PluginRefusal[] = [];

  override register(plugin: DataPlanePlugin, origin?: PluginOrigin): void {
    super.register(plugin, origin);
    if (origin) this.#origins.set(plugin, origin);
  }

  #guard(plugin: DataPlanePlugin): DataPlanePlugin {
    let guarded = this.#guarded.get(plugin);
    if (!guarded) {
      const origin = this.#origins.get(plugin);
      guarded = guardPlugin(plugin, {
        ...(origin?.packageName ? { packageName: origin.packageName } : {}),
        ...(origin?.packageVersion ? { packageVersion: origin.packageVersion } : {}),
      });
      this.#guarded.set(plugin, guarded);
    }
    return guarded;
  }

  override pluginsFor(resource: AzureResource): DataPlanePlugin[] {
    if (this.explicitRefusals.length > 0) throw explicitRefusalError(this.explicitRefusals);
    return super.pluginsFor(resource).map((p) => this.#guard(p));
  }

  override get(name: string): DataPlanePlugin | undefined {
    const plugin = super.get(name);
    return plugin ? this.#guard(plugin) : undefined;
  }
}

/** Finds and loads every plugin where the architecture says to look. */
export async function loadHostPlugins(options: HostPluginsOptions): Promise<HostPlugins> {
  const registry = new HostRegistry();
  const besideCli = nodeModulesBesideCli();
  const candidates = findPluginCandidates({
    cwd: options.cwd,
    explicit: options.explicit,
    ...(besideCli ? { besideCli } : {}),
  });
  const report = await loadPlugins({
    registry,
    candidates,
    logger: options.logger,
    ...(options.contractVersion ? { contractVersion: options.contractVersion } : {}),
  });
  const explicitRefusals = report.refused.filter((r) => r.via === "explicit");
  registry.explicitRefusals = explicitRefusals;
  return { registry, report, explicitRefusals };
}
