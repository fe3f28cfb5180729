import { checkPluginShape } from "@dataplane/core";
import { ConformanceFailure } from "../failure.js";
import { choosePlugin } from "../load.js";
import type { ConformanceCheckName } from "../options.js";
import type { ConformanceRun } from "../run.js";

/**
 * What the package registered passes core's `checkPluginShape` (the registry's own test), and
 * the suite's options and formats are ones the plugin declares — a typo would otherwise be
 * ignored silently and the suite would test defaults.
 */
export async function shape(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const loaded = await run.load();
  const chosen = choosePlugin(loaded, run.options.plugin);
  if ("reason" in chosen) throw new ConformanceFailure(check, chosen.reason);
  const result = checkPluginShape(chosen.offered);
  if (!result.ok) throw new ConformanceFailure(check, `invalid plugin shape: ${result.reason}`);
  const plugin = result.plugin;

  const problems: string[] = [];
  const declared = new Set((plugin.options ?? []).map((o) => o.name));
  for (const name of Object.keys(run.options.options ?? {})) {
    if (!declared.has(name)) {
      problems.push(
        `option ${JSON.stringify(name)} is not declared by plugin ${plugin.name} (it declares: ${[...declared].join(", ") || "none"})`,
      );
    }
  }
  for (const spec of plugin.options ?? []) {
    if (spec.choices && typeof spec.default === "string" && !spec.choices.includes(spec.default)) {
      problems.push(
        `option ${spec.name}: its default ${JSON.stringify(spec.default)} is not one of its choices`,
      );
    }
    if (spec.default !== undefined && typeof spec.default !== spec.type) {
      problems.push(`option ${spec.name}: its default is a ${typeof spec.default}, not a ${spec.type}`);
    }
  }
  const formats = plugin.formats ?? ["terraform"];
  for (const format of run.options.formats ?? ["terraform"]) {
    if (!formats.includes(format))
      problems.push(
        `the suite asks for ${format}, but plugin ${plugin.name} declares formats ${formats.join(", ")}`,
      );
  }
  if (problems.length > 0) throw new ConformanceFailure(check, problems.join("\n"));
}
