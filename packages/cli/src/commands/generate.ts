import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { createInterface } from "node:readline";
import {
  type AzureResource,
  type DataPlaneItem,
  type DataPlanePlugin,
  DataplaneError,
  ErrorCodes,
  type IacFormat,
  type ReplicationMode,
  type RequiredVariable,
  Session,
} from "@dataplane/core";
import { buildSideAccess, type CredentialFlags } from "../config/credentials.js";
import type { CommandEnv } from "../env.js";
import { explainServiceError } from "../host/explain.js";
import { checkOutputPath } from "../host/paths.js";
import { readOneResource } from "../host/resources.js";
import { renderTable } from "../output/table.js";
import type { DiscoveredLine } from "./discover.js";

export interface GenerateFlags extends CredentialFlags {
  readonly out: string;
  readonly format?: string;
  readonly items?: string;
  readonly mode?: ReplicationMode;
  readonly force?: boolean;
  readonly [key: string]: unknown;
}

async function* itemsFromFile(
  path: string,
  plugin: string,
  resourceIds: readonly string[],
): AsyncIterable<DataPlaneItem> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    let parsed: DiscoveredLine;
    try {
      parsed = JSON.parse(line) as DiscoveredLine;
    } catch {
      throw new DataplaneError(ErrorCodes.InvalidInput, `${path}:${n} is not a JSON line`, {
        hint: "Give the file written by `dataplane discover --out <file>`",
      });
    }
    if (parsed.type === "item" && parsed.plugin === plugin && resourceIds.includes(parsed.resourceId))
      yield parsed.item;
  }
}

function folderName(plugin: DataPlanePlugin): string {
  return plugin.name.replace(/^@[^/]+\//, "").replace(/[^A-Za-z0-9._-]+/g, "-");
}

function checkOutput(out: string, force: boolean): void {
  if (existsSync(out) && readdirSync(out).length > 0 && !force) {
    throw new DataplaneError(ErrorCodes.InvalidInput, `the output folder ${out} is not empty`, {
      hint: "Choose another --out folder, or add --force to replace its contents",
    });
  }
}

/** `dataplane generate <resource.json> --out <dir>`: infrastructure-as-code for the resource's items. */
export async function generateCommand(
  env: CommandEnv,
  resourcePath: string,
  flags: GenerateFlags,
): Promise<number> {
  const resource: AzureResource = readOneResource(resourcePath, env.io.cwd, "resource document");
  const plugins = env.host.registry.requirePluginsFor(resource);
  const format = (flags.format ?? "terraform") as IacFormat;
  for (const plugin of plugins) {
    const formats = plugin.formats ?? ["terraform"];
    if (!formats.includes(format)) {
      throw new DataplaneError(ErrorCodes.InvalidInput, `plugin ${plugin.name} cannot generate ${format}`, {
        hint: `It generates: ${formats.join(", ")}`,
      });
    }
  }
  const out = checkOutputPath("--out", flags.out, env.io.cwd, "dir");
  checkOutput(out, flags.force ?? false);
  const itemsPath = flags.items ? resolve(env.io.cwd, flags.items) : undefined;
  if (itemsPath && !existsSync(itemsPath)) {
    throw new DataplaneError(ErrorCodes.InvalidInput, `cannot read --items ${flags.items}`, {
      hint: "Check the path",
    });
  }
  const session = new Session({ logger: env.logger, redactor: env.redactor });
  const access = itemsPath ? undefined : buildSideAccess("source", resource, env.config, flags, env.redactor);

  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const written: string[] = [];
  const variables: (RequiredVariable & { plugin: string })[] = [];
  const warnings: string[] = [];
  try {
    for (const plugin of plugins) {
      const options = env.pluginOptions(plugin, "generate", flags);
      const items = itemsPath
        ? // the file was written through the redactor: match its form of the id too
          itemsFromFile(itemsPath, plugin.name, [resource.id, env.redactor.redact(resource.id)])
        : plugin.discover(
            resource,
            session.discoverContext(access!, env.pluginOptions(plugin, "discover", flags)),
          );
      let output: Awaited<ReturnType<DataPlanePlugin["generate"]>>;
      try {
        output = await plugin.generate(
          items,
          format,
          session.generateContext(flags.mode ?? "replication", options),
        );
      } catch (error) {
        throw explainServiceError(error, {
          plugin,
          verb: "discover",
          resources: { source: resource },
          governor: session.governor,
          defaultSide: "source",
          ...(access ? { access: { source: access } } : {}),
        });
      }
      const base = plugins.length === 1 ? staging : join(staging, folderName(plugin));
      for (const [name, content] of Object.entries(output.files)) {
        const file = resolve(base, name);
        if (!file.startsWith(base + sep)) {
          throw new DataplaneError(
            ErrorCodes.Internal,
            `plugin ${plugin.name} produced a file outside the output folder: ${name}`,
          );
        }
        // Generated code holds no secret value by construction (values are variables): it is
        // written as generated, never rewritten by patterns, and refused whole if it carries a
        // secret value this run has seen (registered by the plugins and the configuration).
        if (env.redactor.holdsRegistered(content)) {
          throw new DataplaneError(
            ErrorCodes.Internal,
            `plugin ${plugin.name} put a secret value into ${name}; nothing was written`,
            {
              hint: `This is a defect of ${plugin.name}: report it (generated code must take secrets from variables)`,
            },
          );
        }
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
        written.push(file.slice(staging.length + 1));
      }
      variables.push(...output.variables.map((v) => ({ ...v, plugin: plugin.name })));
      warnings.push(...(output.warnings ?? []));
    }
    if (existsSync(out)) {
      const old = `${out}.old-${process.pid}`;
      renameSync(out, old);
      renameSync(staging, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      mkdirSync(dirname(out), { recursive: true });
      renameSync(staging, out);
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (env.flags.json) {
    env.io.stdout(`${JSON.stringify({ out, files: written, variables, warnings }, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `wrote ${written.length} ${written.length === 1 ? "file" : "files"} to ${out}:`,
    ...written.map((f) => `  ${f}`),
  ];
  if (variables.length > 0) {
    lines.push(
      "",
      `${variables.length} ${variables.length === 1 ? "variable" : "variables"} to supply${
        written.some((f) => basename(f) === "terraform.tfvars.example")
          ? " (see terraform.tfvars.example)"
          : ""
      }:`,
      renderTable(
        ["VARIABLE", "SENSITIVE", "DESCRIPTION"],
        variables
          .slice(0, env.flags.verbose ? variables.length : 20)
          .map((v) => [v.name, v.sensitive ? "yes" : "no", v.description]),
      ),
    );
    if (!env.flags.verbose && variables.length > 20)
      lines.push(`  … and ${variables.length - 20} more (--verbose lists all)`);
  }
  for (const w of warnings) lines.push(`warning: ${w}`);
  env.io.stdout(`${lines.join("\n")}\n`);
  return 0;
}
