import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** A package that may be a dataplane plugin, and how it was found. */
export interface PluginCandidate {
  /** What the user or the project named: a package name or a path. */
  readonly request: string;
  readonly via: "explicit" | "project" | "global";
  /** The package directory, when it was found. */
  readonly dir?: string;
  /** Why it could not be located (only for explicit requests). */
  readonly missing?: string;
}

export interface CandidateSources {
  /** Where the search for project dependencies starts (usually `process.cwd()`). */
  readonly cwd: string;
  /** `--plugin` values, `DATAPLANE_PLUGINS` entries and the config file's `plugins`, in that order. */
  readonly explicit?: readonly string[];
  /** The `node_modules` folder holding the CLI package (a global prefix); its siblings are candidates. */
  readonly besideCli?: string;
  /** Set false to ignore the project's package.json (tests, `--no-project-plugins`). */
  readonly project?: boolean;
}

export interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly dataplane?: unknown;
  readonly exports?: unknown;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

export function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Finds `node_modules/<name>` from `fromDir` upwards, as Node resolves packages. */
export function locatePackage(name: string, fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The nearest directory at or above `cwd` holding a package.json. */
export function nearestPackageDir(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function looksLikePath(request: string): boolean {
  return (
    request.startsWith(".") || isAbsolute(request) || request.includes("\\") || /^[^@][^/]*\/.+/.test(request)
  );
}

function hasPluginField(dir: string): boolean {
  const pkg = readPackageJson(dir);
  return pkg !== undefined && pkg.dataplane !== undefined;
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function explicitCandidate(request: string, sources: CandidateSources): PluginCandidate {
  if (looksLikePath(request)) {
    const dir = resolve(sources.cwd, request);
    if (!existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(join(dir, "package.json"))) {
      return { request, via: "explicit", missing: `no package.json in ${dir}` };
    }
    return { request, via: "explicit", dir };
  }
  const dir =
    locatePackage(request, sources.cwd) ??
    (sources.besideCli ? locatePackage(request, dirname(sources.besideCli)) : undefined);
  return dir
    ? { request, via: "explicit", dir }
    : { request, via: "explicit", missing: "package not installed" };
}

function projectCandidates(cwd: string): PluginCandidate[] {
  const projectDir = nearestPackageDir(cwd);
  if (!projectDir) return [];
  const pkg = readPackageJson(projectDir);
  if (!pkg) return [];
  const names = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.devDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
  ]);
  const found: PluginCandidate[] = [];
  for (const name of [...names].sort()) {
    const dir = locatePackage(name, projectDir);
    if (dir && hasPluginField(dir)) found.push({ request: name, via: "project", dir });
  }
  return found;
}

function besideCliCandidates(nodeModules: string): PluginCandidate[] {
  if (!existsSync(nodeModules)) return [];
  const found: PluginCandidate[] = [];
  const consider = (name: string, dir: string) => {
    if (hasPluginField(dir)) found.push({ request: name, via: "global", dir });
  };
  for (const entry of readdirSync(nodeModules).sort()) {
    if (entry.startsWith(".")) continue;
    const full = join(nodeModules, entry);
    if (entry.startsWith("@")) {
      let scoped: string[] = [];
      try {
        scoped = readdirSync(full).sort();
      } catch {
        continue;
      }
      for (const inner of scoped) consider(`${entry}/${inner}`, join(full, inner));
    } else {
      consider(entry, full);
    }
  }
  return found;
}

/**
 * Lists plugin candidates where the architecture says to look, and nowhere else: explicitly
 * named packages, the nearest package.json's dependencies, and packages installed beside the
 * CLI. A package found twice is kept once (the first way it was found wins).
 */
export function findPluginCandidates(sources: CandidateSources): PluginCandidate[] {
  const all: PluginCandidate[] = [
    ...(sources.explicit ?? []).map((r) => explicitCandidate(r, sources)),
    ...(sources.project === false ? [] : projectCandidates(sources.cwd)),
    ...(sources.besideCli ? besideCliCandidates(sources.besideCli) : []),
  ];
  const seen = new Set<string>();
  const unique: PluginCandidate[] = [];
  for (const candidate of all) {
    if (candidate.dir) {
      const real = safeRealpath(candidate.dir);
      if (seen.has(real)) continue;
      seen.add(real);
    }
    unique.push(candidate);
  }
  return unique;
}
