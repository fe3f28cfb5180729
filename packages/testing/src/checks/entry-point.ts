import { existsSync } from "node:fs";
import { join } from "node:path";
import { CONTRACT_VERSION } from "@dataplane/core";
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
