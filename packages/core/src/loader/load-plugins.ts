import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { exports as resolveExports } from "resolve.exports";
import semver from "semver";
import type { Logger } from "../contract/context.js";
import type { DataPlanePlugin, PluginHost } from "../contract/plugin.js";
import { CONTRACT_VERSION, CORE_VERSION } from "../contract/version.js";
import { formatError } from "../errors/errors.js";
import type { PluginOrigin, PluginRegistry } from "../registry/registry.js";
import { type PluginCandidate, readPackageJson } from "./candidates.js";

/** Why a candidate was not loaded. Stable codes for `--json` consumers. */
export type RefusalReason =
  | "not-found"
  | "not-a-plugin"
  | "incompatible-contract"
  | "no-entry-point"
  | "import-failed"
  | "not-a-function"
  | "register-failed"
  | "invalid-shape"
  | "conflict"
  | "no-plugins";

export interface PluginRefusal {
  /** The package name (or the request when the package could not be read). */
  readonly candidate: string;
  readonly version?: string;
  readonly via: PluginCandidate["via"];
  readonly path?: string;
  /** Name of the plugin refused, when the package registered one. */
  readonly plugin?: string;
  readonly reason: RefusalReason;
  readonly message: string;
}

export interface LoadReport {
  readonly loaded: readonly { readonly plugin: string; readonly origin: PluginOrigin }[];
  readonly refused: readonly PluginRefusal[];
}

export interface LoadOptions {
  readonly registry: PluginRegistry;
  readonly candidates: readonly PluginCandidate[];
  readonly logger: Logger;
  /** The contract version this host implements (tests simulate a bump). */
  readonly contractVersion?: string;
}

interface DataplaneField {
  readonly apiVersion?: unknown;
}

/**
 * Loads each candidate's `./dataplane-plugin` entry point and lets it register its plugins.
 * A broken candidate is refused with its reason; it never stops the others.
 */
export async function loadPlugins(options: LoadOptions): Promise<LoadReport> {
  const contractVersion = options.contractVersion ?? CONTRACT_VERSION;
  const loaded: { plugin: string; origin: PluginOrigin }[] = [];
  const refused: PluginRefusal[] = [];

  for (const candidate of options.candidates) {
    const base = {
      candidate: candidate.request,
      via: candidate.via,
      ...(candidate.dir ? { path: candidate.dir } : {}),
    };
    if (!candidate.dir) {
      refused.push({
        ...base,
        reason: "not-found",
        message: `${candidate.request}: ${candidate.missing ?? "not found"}`,
      });
      continue;
    }
    const pkg = readPackageJson(candidate.dir);
    const name = pkg?.name ?? candidate.request;
    const version = pkg?.version;
    const who = version ? `${name}@${version}` : name;
    const refuse = (reason: RefusalReason, message: string, plugin?: string) =>
      refused.push({
        ...base,
        candidate: name,
        ...(version ? { version } : {}),
        ...(plugin ? { plugin } : {}),
        reason,
        message,
      });

    const field = pkg?.dataplane as DataplaneField | undefined;
    if (!pkg || field === undefined || typeof field !== "object" || field === null) {
      refuse("not-a-plugin", `${who} is not a dataplane plugin: its package.json has no "dataplane" field`);
      continue;
    }
    const range = typeof field.apiVersion === "string" ? field.apiVersion : undefined;
    if (!range || semver.validRange(range) === null) {
      refuse("not-a-plugin", `${who} declares no valid "dataplane.apiVersion" range in its package.json`);
      continue;
    }
    if (!semver.satisfies(contractVersion, range)) {
      const major = semver.major(contractVersion);
      refuse(
        "incompatible-contract",
        `${who} was built for plugin contract ${range}, but this @dataplane/core ${CORE_VERSION} implements contract ${contractVersion}. To use it: install a release of ${name} built for contract ${major}.x, or a @dataplane/cli whose contract is in ${range}. If you maintain ${name}: build it against @dataplane/core ${CORE_VERSION}, set "dataplane.apiVersion" to "^${major}.0.0" and the @dataplane/core peer range to include ${CORE_VERSION}, and publish a new major version.`,
      );
      continue;
    }

    let entryPath: string;
    try {
      const targets = resolveExports(pkg as Record<string, unknown>, "./dataplane-plugin", {
        conditions: ["node", "import"],
      });
      if (!targets || targets.length === 0) throw new Error("no target");
      entryPath = join(candidate.dir, targets[0]!);
    } catch {
      refuse("no-entry-point", `${who} does not export "./dataplane-plugin" in its package.json "exports"`);
      continue;
    }

    let register: unknown;
    try {
      const mod = (await import(pathToFileURL(entryPath).href)) as { default?: unknown };
      register = mod.default;
    } catch (error) {
      refuse("import-failed", `${who}: importing its entry point threw: ${formatError(error)}`);
      continue;
    }
    if (typeof register !== "function") {
      refuse(
        "not-a-function",
        `${who}: the default export of "./dataplane-plugin" is ${register === undefined ? "missing" : typeof register}, not a registration function (host) => void`,
      );
      continue;
    }

    const origin: PluginOrigin = {
      via: candidate.via,
      packageName: name,
      path: candidate.dir,
      ...(version ? { packageVersion: version } : {}),
    };
    let registered = 0;
    const host: PluginHost = {
      coreVersion: CORE_VERSION,
      contractVersion,
      logger: options.logger,
      register(plugin: DataPlanePlugin) {
        const pluginName = typeof plugin?.name === "string" ? plugin.name : undefined;
        try {
          options.registry.register(plugin, origin);
          registered++;
          loaded.push({ plugin: plugin.name, origin });
          options.logger.debug(`registered plugin ${plugin.name} from ${who}`);
        } catch (error) {
          const code = (error as { code?: string }).code;
          refuse(
            code === "DP_PLUGIN_CONFLICT" ? "conflict" : "invalid-shape",
            `${who}: ${formatError(error)}`,
            pluginName,
          );
        }
      },
    };
    const refusalsBefore = refused.length;
    try {
      await (register as (host: PluginHost) => unknown)(host);
    } catch (error) {
      refuse("register-failed", `${who}: its registration function threw: ${formatError(error)}`);
      continue;
    }
    if (registered === 0 && refused.length === refusalsBefore) {
      refuse("no-plugins", `${who}: its registration function registered no plugin`);
    }
  }
  return { loaded, refused };
}
