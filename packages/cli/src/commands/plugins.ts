import { CONTRACT_VERSION, CORE_VERSION, ExitCodes, formatError } from "@dataplane/core";
import type { CommandEnv } from "../env.js";
import { explicitRefusalError } from "../host/plugins.js";
import { renderTable } from "../output/table.js";

/**
 * `dataplane plugins`: what was found, where from, what it serves — and what was refused, and
 * why. Exits 2 when a plugin the user named (--plugin, DATAPLANE_PLUGINS, the config) was refused.
 */
export function pluginsCommand(env: CommandEnv): number {
  const { registry, report, explicitRefusals } = env.host;
  const status = explicitRefusals.length > 0 ? ExitCodes.CouldNotRun : ExitCodes.Done;
  const refusalLine = () => {
    if (status !== ExitCodes.Done)
      env.io.stderr(`error: ${formatError(explicitRefusalError(explicitRefusals))}\n`);
  };
  const plugins = registry.list().map(({ plugin, origin }) => ({
    name: plugin.name,
    version: plugin.version,
    description: plugin.description ?? null,
    package: origin.packageName ?? null,
    packageVersion: origin.packageVersion ?? null,
    origin: origin.via,
    path: origin.path ?? null,
    resourceTypes: [...plugin.resourceTypes],
    itemKinds: [...plugin.itemKinds],
    formats: [...(plugin.formats ?? ["terraform"])],
    options: (plugin.options ?? []).map((o) => ({
      name: o.name,
      type: o.type,
      verbs: [...o.verbs],
      description: o.description,
    })),
  }));
  if (env.flags.json) {
    env.io.stdout(
      `${JSON.stringify({ coreVersion: CORE_VERSION, contractVersion: CONTRACT_VERSION, plugins, refused: report.refused }, null, 2)}\n`,
    );
    refusalLine();
    return status;
  }
  const out: string[] = [];
  out.push(`dataplane core ${CORE_VERSION}, plugin contract ${CONTRACT_VERSION}`, "");
  if (plugins.length === 0) {
    out.push("No plugins found.");
    out.push(
      "Install one next to your project (npm install @dataplane/plugin-keyvault) or name one with --plugin <package or path>.",
    );
  } else {
    out.push(
      renderTable(
        ["PLUGIN", "VERSION", "FROM", "RESOURCE TYPES", "ITEM KINDS"],
        plugins.map((p) => [
          p.name,
          p.version,
          `${p.origin}${p.package ? ` (${p.package})` : ""}`,
          p.resourceTypes.join(", "),
          p.itemKinds.join(", "),
        ]),
      ),
    );
  }
  if (report.refused.length > 0) {
    out.push("", "Refused:");
    out.push(
      renderTable(
        ["CANDIDATE", "FROM", "REASON", "DETAIL"],
        report.refused.map((r) => [
          `${r.candidate}${r.version ? `@${r.version}` : ""}${r.plugin ? ` [${r.plugin}]` : ""}`,
          r.via,
          r.reason,
          r.message,
        ]),
      ),
    );
  }
  env.io.stdout(`${out.join("\n")}\n`);
  refusalLine();
  return status;
}
