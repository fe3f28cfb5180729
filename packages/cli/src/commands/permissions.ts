import type { AzureResource, ReplicationMode, Side } from "@dataplane/core";
import type { CommandEnv } from "../env.js";
import { roleAssignmentCommand } from "../host/explain.js";
import { readOneResource } from "../host/resources.js";
import { renderTable } from "../output/table.js";

export interface PermissionsFlags {
  readonly source: string;
  readonly target?: string;
  readonly mode?: ReplicationMode;
  readonly assignee?: string;
  readonly sourceAssignee?: string;
  readonly targetAssignee?: string;
}

/** `dataplane permissions`: the RBAC roles each plugin needs per side, and the commands that grant them. */
export function permissionsCommand(env: CommandEnv, flags: PermissionsFlags): number {
  const mode: ReplicationMode = flags.mode ?? "replication";
  const resources: Partial<Record<Side, AzureResource>> = {
    source: readOneResource(flags.source, env.io.cwd, "--source"),
    ...(flags.target ? { target: readOneResource(flags.target, env.io.cwd, "--target") } : {}),
  };
  const plugins = env.host.registry.requirePluginsFor(resources.source!);
  const rows: { plugin: string; side: Side; role: string; reason: string; scope: string; command: string }[] =
    [];
  for (const plugin of plugins) {
    for (const p of plugin.permissions ?? []) {
      const resource = resources[p.side];
      if (!resource) continue;
      const wanted = p.side === "source" ? (flags.target ? ["discover", mode] : ["discover"]) : [mode];
      if (!wanted.includes(p.for)) continue;
      const assignee = (p.side === "source" ? flags.sourceAssignee : flags.targetAssignee) ?? flags.assignee;
      if (rows.some((r) => r.side === p.side && r.role === p.role && r.scope === resource.id)) continue;
      rows.push({
        plugin: plugin.name,
        side: p.side,
        role: p.role,
        reason: p.reason,
        scope: resource.id,
        command: roleAssignmentCommand(p.role, resource.id, assignee),
      });
    }
  }
  if (env.flags.json) {
    env.io.stdout(`${JSON.stringify({ mode, permissions: rows }, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `Roles needed for ${flags.target ? `${mode} from ${resources.source!.name} to ${resources.target!.name}` : `discovery of ${resources.source!.name}`}:`,
    renderTable(
      ["SIDE", "ROLE", "PLUGIN", "WHY"],
      rows.map((r) => [r.side, r.role, r.plugin, r.reason]),
    ),
    "",
    "Grant them with (assignee: the identity that runs dataplane on that side, e.g. `az ad signed-in-user show --query id -o tsv`):",
    ...rows.map((r) => `  ${r.command}`),
  ];
  env.io.stdout(`${lines.join("\n")}\n`);
  return 0;
}
