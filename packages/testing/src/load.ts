import { readFileSync } from "node:fs";
import {
  type DataPlanePlugin,
  findPluginCandidates,
  type LoadReport,
  loadPlugins,
  type PluginOrigin,
  PluginRegistry,
  silentLogger,
} from "@dataplane/core";

/** Keeps what a package handed to `host.register`, including plugins the registry refused. */
class CapturingRegistry extends PluginRegistry {
  readonly offered: unknown[] = [];

  override register(plugin: DataPlanePlugin, origin?: PluginOrigin): void {
    this.offered.push(plugin);
    super.register(plugin, origin);
  }
}

export interface PackageJsonLike {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly dataplane?: unknown;
  readonly exports?: unknown;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** A plugin package as the CLI sees it: loaded by core's own loader, by explicit path. */
export interface LoadedPackage {
  readonly dir: string;
  readonly packageJson: PackageJsonLike | undefined;
  readonly report: LoadReport;
  readonly registry: PluginRegistry;
  /** Everything the package offered to `host.register`, valid or not. */
  readonly offered: readonly unknown[];
}

export function readPackageJson(dir: string): PackageJsonLike | undefined {
  try {
    return JSON.parse(readFileSync(`${dir}/package.json`, "utf8")) as PackageJsonLike;
  } catch {
    return undefined;
  }
}

export async function loadPackage(dir: string): Promise<LoadedPackage> {
  const registry = new CapturingRegistry();
  const candidates = findPluginCandidates({ cwd: dir, explicit: [dir], project: false });
  const report = await loadPlugins({ registry, candidates, logger: silentLogger });
  return { dir, packageJson: readPackageJson(dir), report, registry, offered: registry.offered };
}

function nameOf(value: unknown): string | undefined {
  const name = (value as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

/**
 * The plugin under test: by name, or the only one the package offered. Returns what was
 * offered (the shape check judges it) or why no plugin can be chosen.
 */
export function choosePlugin(
  loaded: LoadedPackage,
  name: string | undefined,
): { offered: unknown } | { reason: string } {
  const names = loaded.offered.map((p) => nameOf(p) ?? "(unnamed)");
  if (name !== undefined) {
    const found = loaded.offered.find((p) => nameOf(p) === name);
    return found === undefined
      ? {
          reason: `the package registered no plugin named ${name} (it registered: ${names.join(", ") || "none"})`,
        }
      : { offered: found };
  }
  if (loaded.offered.length === 1) return { offered: loaded.offered[0] };
  return {
    reason:
      loaded.offered.length === 0
        ? "the package registered no plugin"
        : `the package registered ${loaded.offered.length} plugins (${names.join(", ")}): name the one to check with the \`plugin\` option`,
  };
}
