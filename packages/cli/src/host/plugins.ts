import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  findPluginCandidates,
  type LoadReport,
  type Logger,
  loadPlugins,
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
}

/** Finds and loads every plugin where the architecture says to look. */
export async function loadHostPlugins(options: HostPluginsOptions): Promise<HostPlugins> {
  const registry = new PluginRegistry();
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
  return { registry, report };
}
