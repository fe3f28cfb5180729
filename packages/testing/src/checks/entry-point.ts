import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTRACT_VERSION, CORE_VERSION } from "@dataplane/core";
import semver from "semver";
import { ConformanceFailure } from "../failure.js";
import { choosePlugin } from "../load.js";
import type { ConformanceCheckName } from "../options.js";
import type { ConformanceRun } from "../run.js";

const ENTRY = "./dataplane-plugin";

/** The file `exports["./dataplane-plugin"]` names for Node's `import` (plain string or conditions). */
function entryTarget(exportsField: unknown): string | undefined {
  if (!exportsField || typeof exportsField !== "object") return undefined;
  let target: unknown = (exportsField as Record<string, unknown>)[ENTRY];
  for (let depth = 0; depth < 5 && target && typeof target === "object" && !Array.isArray(target); depth++) {
    const conditions = target as Record<string, unknown>;
    target = conditions.import ?? conditions.node ?? conditions.default;
  }
  return typeof target === "string" ? target : undefined;
}

/** `^0.1.0` for core 0.1.x, `^1.0.0` for 1.x: the caret range of this core's minor (0.x) or major. */
function suggestedPeerRange(): string {
  const v = semver.parse(CORE_VERSION);
  if (!v) return `^${CORE_VERSION}`;
  return v.major === 0 ? `^0.${v.minor}.0` : `^${v.major}.0.0`;
}

/** A range that names a place on this machine: a `file:`/`link:` spec or a path. */
function isLocalRange(range: string): boolean {
  return /^(file|link):/.test(range) || /^(\.{1,2}\/|\/)/.test(range);
}

/** The version npm installed for a dependency (to suggest its range), if it is there. */
function installedVersion(packageDir: string, name: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(packageDir, "node_modules", name, "package.json"), "utf8")) as {
      version?: unknown;
    };
    return typeof pkg.version === "string" ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A dependency on a tarball or a folder (what `npm install <tarball>` writes) installs on this
 * machine only: every other project that installs the plugin fails on it.
 */
function localDependencyProblem(packageDir: string, name: string, range: string): string {
  const version = installedVersion(packageDir, name);
  const suggested = version ? `^${version}` : "<its version range>";
  return `"dependencies": { ${JSON.stringify(name)}: ${JSON.stringify(range)} } names a file on this machine: every project that installs the plugin would need it. Set a range, e.g. npm pkg set 'dependencies[${name}]=${suggested}'`;
}

/**
 * A peer range every user's npm can satisfy from the registry: a semver range. A `file:`,
 * `link:`, path, URL or git range (what `npm install --save-peer <core.tgz>` writes) would send
 * every install that has the plugin looking for that file. `workspace:` ranges pass: pnpm
 * replaces them with the version when it packs or publishes.
 */
function peerRangeProblem(range: string): string | undefined {
  if (range.startsWith("workspace:")) return undefined;
  if (semver.validRange(range) !== null && !isLocalRange(range)) return undefined;
  const fix = suggestedPeerRange();
  return `"peerDependencies": { "@dataplane/core": ${JSON.stringify(range)} } is not a semver range: every project that installs the plugin would need that ${/^(file|link):|^[./]/.test(range) ? "file" : "location"}. Set a range, e.g. npm pkg set 'peerDependencies[@dataplane/core]=${fix}' (and install the tarball as a devDependency only)`;
}

/**
 * The package is a plugin as the CLI sees it: its package.json declares a contract range that
 * includes this core's contract, exports the entry point (built, on disk), depends on core as a
 * peer, and core's own loader registers at least one plugin from it without refusing anything.
 */
export async function entryPoint(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const loaded = await run.load();
  const pkg = loaded.packageJson;
  const problems: string[] = [];
  if (!pkg) throw new ConformanceFailure(check, `no readable package.json in ${run.packageDir}`);

  const field = pkg.dataplane as { apiVersion?: unknown } | undefined;
  const range = typeof field?.apiVersion === "string" ? field.apiVersion : undefined;
  if (!range) {
    problems.push(
      `package.json needs "dataplane": { "apiVersion": "^${semver.major(CONTRACT_VERSION)}.0.0" }`,
    );
  } else if (semver.validRange(range) === null) {
    problems.push(`"dataplane.apiVersion" ${JSON.stringify(range)} is not a semver range`);
  } else if (!semver.satisfies(CONTRACT_VERSION, range)) {
    problems.push(
      `"dataplane.apiVersion" ${range} does not include the contract version ${CONTRACT_VERSION} of this @dataplane/core`,
    );
  }

  const target = entryTarget(pkg.exports);
  if (!target) {
    problems.push(
      `package.json "exports" has no "${ENTRY}" entry for import (e.g. "${ENTRY}": "./dist/dataplane-plugin.js")`,
    );
  } else if (!existsSync(join(run.packageDir, target))) {
    problems.push(`"${ENTRY}" points at ${target}, which does not exist: build the package first`);
  }

  if (pkg.dependencies?.["@dataplane/core"] !== undefined) {
    problems.push(
      '@dataplane/core is in "dependencies": make it a peerDependency (and a devDependency to build), so the host\'s core is used',
    );
  } else if (pkg.peerDependencies?.["@dataplane/core"] === undefined) {
    problems.push('@dataplane/core is not in "peerDependencies"');
  } else {
    const peer = pkg.peerDependencies["@dataplane/core"];
    const problem = peerRangeProblem(peer);
    if (problem) problems.push(problem);
  }

  for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
    if (isLocalRange(range)) problems.push(localDependencyProblem(run.packageDir, name, range));
  }

  for (const refusal of loaded.report.refused)
    problems.push(`core's loader refused it (${refusal.reason}): ${refusal.message}`);
  if (loaded.report.loaded.length === 0 && loaded.report.refused.length === 0) {
    problems.push("core's loader registered no plugin from it");
  }
  const chosen = choosePlugin(loaded, run.options.plugin);
  if ("reason" in chosen && loaded.report.refused.length === 0) problems.push(chosen.reason);

  if (problems.length > 0) throw new ConformanceFailure(check, problems.join("\n"));
}
