import {
  CORE_VERSION,
  createLogger,
  type DataPlanePlugin,
  ExitCodes,
  formatError,
  isCouldNotRun,
  isDataplaneError,
  SecretRedactor,
  type Verb,
} from "@dataplane/core";
import { Command, CommanderError, Option } from "commander";
import { discoverCommand } from "./commands/discover.js";
import { emulatorsStartCommand } from "./commands/emulators.js";
import { generateCommand } from "./commands/generate.js";
import { permissionsCommand } from "./commands/permissions.js";
import { pluginsCommand } from "./commands/plugins.js";
import { replicateCommand } from "./commands/replicate.js";
import { type LoadedConfig, loadConfig } from "./config/config.js";
import { type CliIo, CommandEnv, type GlobalFlags, type SurfacedOption } from "./env.js";
import { loadHostPlugins } from "./host/plugins.js";

/** Reads the flags that decide which plugins load, before the program (with plugin flags) is built. */
function prescan(argv: readonly string[]): {
  plugins: string[];
  config?: string;
  debug: boolean;
  json: boolean;
} {
  const plugins: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (a === "--plugin" && argv[i + 1]) plugins.push(argv[++i]!);
    else if (a.startsWith("--plugin=")) plugins.push(a.slice("--plugin=".length));
    else if (a === "--config" && argv[i + 1]) config = argv[++i];
    else if (a.startsWith("--config=")) config = a.slice("--config=".length);
  }
  return {
    plugins,
    ...(config ? { config } : {}),
    debug: argv.includes("--debug"),
    json: argv.includes("--json"),
  };
}

const CORE_FLAGS = new Set([
  "json",
  "debug",
  "verbose",
  "quiet",
  "progress",
  "config",
  "plugin",
  "side",
  "out",
  "format",
  "items",
  "mode",
  "force",
  "source",
  "target",
  "resources",
  "targets",
  "mapping",
  "map",
  "dry-run",
  "on-conflict",
  "max-in-flight",
  "rate",
  "max-retries",
  "retry-delay",
  "shard",
  "checkpoint",
  "resume",
  "delete-extraneous",
  "report",
  "source-credential",
  "source-tenant",
  "target-credential",
  "target-tenant",
  "assignee",
  "help",
  "version",
  "dir",
  "seed",
  "table",
  "include",
  "exclude",
  "log-file",
]);

function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Plugin options become flags; a name clash (with core or between plugins of other types) is namespaced. */
function surfaceOptions(plugins: readonly DataPlanePlugin[]): SurfacedOption[] {
  const surfaced: SurfacedOption[] = [];
  const byFlag = new Map<string, SurfacedOption>();
  for (const plugin of plugins) {
    for (const spec of plugin.options ?? []) {
      let flag = spec.name;
      const existing = byFlag.get(flag);
      const compatible =
        existing &&
        existing.spec.type === spec.type &&
        JSON.stringify(existing.spec.choices) === JSON.stringify(spec.choices);
      if (CORE_FLAGS.has(flag) || (existing && !compatible))
        flag = `${plugin.name.replace(/^@[^/]+\//, "").replace(/[^a-z0-9-]/gi, "-")}-${spec.name}`;
      const option: SurfacedOption = { plugin: plugin.name, spec, flag, attribute: camel(flag) };
      surfaced.push(option);
      if (!byFlag.has(flag)) byFlag.set(flag, option);
    }
  }
  return surfaced;
}

function addPluginOptions(command: Command, verb: Verb, surfaced: readonly SurfacedOption[]): void {
  const added = new Set<string>();
  for (const o of surfaced) {
    if (!o.spec.verbs.includes(verb) || added.has(o.flag)) continue;
    added.add(o.flag);
    const owners = surfaced.filter((s) => s.flag === o.flag).map((s) => s.plugin);
    const description = `${o.spec.description} [${owners.join(", ")}]${o.spec.default !== undefined ? ` (default: ${String(o.spec.default)})` : ""}`;
    const option =
      o.spec.type === "boolean"
        ? new Option(`--${o.flag}`, description)
        : new Option(`--${o.flag} <${o.spec.type === "number" ? "n" : "value"}>`, description);
    if (o.spec.choices) option.choices([...o.spec.choices]);
    command.addOption(option);
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const FILTER_HELP =
  "glob on item keys <kind>/<name>, as discover --verbose prints them (repeatable; see README: Filters)";

/** `--include` / `--exclude`: one mechanism for every plugin (core's item filter). */
function addFilterOptions(command: Command): Command {
  return command
    .option(
      "--include <pattern>",
      `only items matching, e.g. 'secret/db-*' or 'blob/logs/**'; ${FILTER_HELP}`,
      collect,
    )
    .option(
      "--exclude <pattern>",
      `leave out items matching, e.g. 'file/share/tmp/**'; ${FILTER_HELP}`,
      collect,
    );
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

/**
 * Runs the CLI; returns the exit code: 0 done, 1 done with item failures (or stopped), 2 could
 * not run, 3 done but items left in conflict.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const pre = prescan(argv);
  const early = createLogger({
    level: pre.debug ? "debug" : "warn",
    redactor: new SecretRedactor(),
    write: (line) => io.stderr(`${line}\n`),
  });
  let config: LoadedConfig | undefined;
  let configError: unknown;
  try {
    config = loadConfig(pre.config, io.cwd);
  } catch (error) {
    configError = error;
  }
  const envPlugins = (process.env.DATAPLANE_PLUGINS ?? "")
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const host = await loadHostPlugins({
    cwd: io.cwd,
    explicit: [...pre.plugins, ...envPlugins, ...(config?.config.plugins ?? [])],
    logger: early,
  });
  const surfaced = surfaceOptions(host.registry.list().map((r) => r.plugin));
  // offer only the formats an installed plugin can write
  const formats: string[] = [
    ...new Set<string>([
      "terraform",
      ...host.registry.list().flatMap((r): readonly string[] => r.plugin.formats ?? ["terraform"]),
    ]),
  ];

  let exitCode: number = ExitCodes.Done;
  // The first Ctrl-C or SIGTERM: a command that can stop gracefully (replicate) starts no new
  // item and lets those in flight finish within its grace period; others abort. The second quits.
  const abort = new AbortController();
  const stop = new AbortController();
  let graceful = false;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr(
        graceful
          ? "stopping: no new items; finishing those in flight (Ctrl-C again to quit at once)\n"
          : "stopping (Ctrl-C again to quit at once)\n",
      );
      stop.abort();
      if (!graceful) abort.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);

  const program = new Command("dataplane");
  const envFor = (command: Command): CommandEnv => {
    const flags = command.optsWithGlobals() as GlobalFlags;
    return new CommandEnv(io, flags, host, surfaced, configError, config);
  };
  program
    .description(
      "Discover, codify (Terraform) and replicate Azure data-plane content: Key Vault, Storage, and more through plugins",
    )
    .version(CORE_VERSION, "-V, --version", "print the version")
    .option("--json", "machine output: one JSON document, or JSON lines for event streams")
    .option("--debug", "show retries, plugin loading and stack traces")
    .option("-v, --verbose", "list items, not only counts")
    .option("-q, --quiet", "print only warnings and errors: no progress, no headers, no summary")
    .option("--no-progress", "no live progress bars, even on a terminal")
    .option("--log-file <path>", "also append everything logged (every item, retries; redacted) to this file")
    .option(
      "--config <file>",
      "dataplane.config.json to use (default: ./dataplane.config.json, or DATAPLANE_CONFIG)",
    )
    .option(
      "--plugin <package or path>",
      "load this plugin too (repeatable; also DATAPLANE_PLUGINS)",
      collect,
    )
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command("plugins")
    .description(
      "list the plugins found (version, origin, resource types, item kinds) and the candidates refused, with the reason",
    )
    .addHelpText("after", examples("dataplane plugins", "dataplane plugins --json --plugin ./my-plugin"))
    .action((_opts, command: Command) => {
      exitCode = pluginsCommand(envFor(command));
    });

  const discover = program
    .command("discover")
    .description("stream the data-plane items of a resource (never secret values)")
    .argument("<resource>", "ARM resource document (JSON, e.g. from `az resource show`)")
    .addOption(
      new Option("--side <side>", "whose credentials to use").choices(["source", "target"]).default("source"),
    )
    .option("--out <file>", "also write the items as JSON lines (input for `generate --items`)")
    .option(
      "--source-credential <type>",
      "credential type for the source (default, azure-cli, environment, managed-identity, workload-identity, static-token)",
    )
    .option("--source-tenant <id>", "Entra ID tenant of the source")
    .addHelpText(
      "after",
      examples(
        "dataplane discover vault.json --verbose",
        "dataplane discover account.json --include 'blob/logs/**' --out items.jsonl",
        "az keyvault show -n my-vault > vault.json && dataplane discover vault.json --json",
      ),
    )
    .action(async (resource: string, opts: Record<string, unknown>, command: Command) => {
      const side = (opts.side as "source" | "target") ?? "source";
      exitCode = await discoverCommand(envFor(command), resource, {
        ...opts,
        side,
        credential: opts.sourceCredential as string | undefined,
        tenant: opts.sourceTenant as string | undefined,
      });
    });
  addFilterOptions(discover);
  addPluginOptions(discover, "discover", surfaced);

  const generate = program
    .command("generate")
    .description(
      "turn a resource's items into infrastructure-as-code (Terraform); secret values become variables",
    )
    .argument("<resource>", "ARM resource document (JSON)")
    .requiredOption("--out <dir>", "output folder (written whole at the end)")
    .addOption(
      new Option("--format <format>", "IaC format (those the installed plugins can write)")
        .choices(formats)
        .default("terraform"),
    )
    .option("--items <file>", "use items from `discover --out` instead of discovering now")
    .addOption(
      new Option("--mode <mode>", "template: placeholders; replication: full structure").choices([
        "template",
        "replication",
      ]),
    )
    .option("--force", "replace the contents of a non-empty output folder")
    .option("--source-credential <type>", "credential type for the source")
    .option("--source-tenant <id>", "Entra ID tenant of the source")
    .addHelpText(
      "after",
      examples(
        "dataplane generate vault.json --out terraform/vault",
        "dataplane generate account.json --items items.jsonl --mode template --out terraform/storage",
      ),
    )
    .action(async (resource: string, opts: Record<string, unknown>, command: Command) => {
      exitCode = await generateCommand(envFor(command), resource, {
        ...opts,
        out: opts.out as string,
        credential: opts.sourceCredential as string | undefined,
        tenant: opts.sourceTenant as string | undefined,
      });
    });
  addPluginOptions(generate, "generate", surfaced);

  const replicate = program
    .command("replicate")
    .description("copy items from a source resource to a target resource: plan → apply")
    .option("--source <file>", "source resource document")
    .option("--target <file>", "target resource document")
    .option("--resources <file>", "many sources: an array of ARM resources (az resource list output)")
    .option("--targets <file>", "the targets for --resources (default: the same file)")
    .option("--mapping <file>", 'JSON object { "<source name or id>": "<target name or id>" }')
    .option("--map <source=target>", "map one source to one target (repeatable)", collect)
    .addOption(
      new Option("--mode <mode>", "template (structure, placeholders) or replication (full copy)").choices([
        "template",
        "replication",
      ]),
    )
    .option("--dry-run", "print the plan and change nothing")
    .addOption(
      new Option("--on-conflict <policy>", "when the target holds a different item of the same name").choices(
        ["skip", "overwrite", "fail"],
      ),
    )
    .option(
      "--max-in-flight <n>",
      "items in flight per run and requests in flight per endpoint (default: plugin's, else 32)",
    )
    .option("--rate <n>", "cap on requests per second per endpoint")
    .option("--max-retries <n>", "retries of throttling (429/503) and connection errors (default 10)")
    .option("--server-error-retries <n>", "retries of other server errors: 500, 502, 504 (default 3)")
    .option("--retry-delay <ms>", "first backoff without Retry-After, doubling each time (default 1000)")
    .option(
      "--max-retry-delay <ms>",
      "longest single wait without Retry-After (default 30000; a longer Retry-After is honoured)",
    )
    .option(
      "--unreachable-after <s>",
      "stop the run when every request to an endpoint fails to connect for this long (default 120)",
    )
    .option("--stop-grace <s>", "after Ctrl-C/SIGTERM, how long items in flight get to finish (default 25)")
    .option(
      "--shard <k/n>",
      "process only shard k of n (stable hash of the item key; range:k/n also divides the listing)",
    )
    .option("--checkpoint <dir>", "where run journals are kept (default .dataplane/checkpoints)")
    .option("--resume", "continue the previous identical run from its journal")
    .option(
      "--delete-extraneous",
      "mirror: delete from the target what the source no longer has (soft delete where the service has it; try --dry-run first)",
    )
    .option("--report <file>", "write every item's outcome to this JSON file")
    .option("--source-credential <type>", "credential type for the source")
    .option("--source-tenant <id>", "Entra ID tenant of the source")
    .option("--target-credential <type>", "credential type for the target")
    .option("--target-tenant <id>", "Entra ID tenant of the target")
    .addHelpText(
      "after",
      examples(
        "dataplane replicate --source src-vault.json --target dst-vault.json --dry-run",
        "dataplane replicate --source src.json --target dst.json --include 'secret/app-*' --report report.json",
        "dataplane replicate --resources all.json --mapping mapping.json --on-conflict overwrite",
        "dataplane replicate --resources all.json --map src-account=dst-account --exclude 'blob/tmp/**'",
      ) +
        "\nExit codes: 0 done, 1 items failed (or the run was stopped), 2 could not run (bad input),\n3 done but items left in conflict (the target differs; --on-conflict overwrite replaces them).\n",
    )
    .action(async (opts: Record<string, unknown>, command: Command) => {
      graceful = true;
      exitCode = await replicateCommand(envFor(command), opts, abort.signal, stop.signal);
    });
  addFilterOptions(replicate);
  addPluginOptions(replicate, "replicate", surfaced);

  program
    .command("permissions")
    .description("print the RBAC roles the plugins need on each side, with the commands that grant them")
    .requiredOption("--source <file>", "source resource document")
    .option("--target <file>", "target resource document")
    .addOption(
      new Option("--mode <mode>", "replication mode")
        .choices(["template", "replication"])
        .default("replication"),
    )
    .option("--assignee <id>", "principal (object id or UPN) to put in the commands")
    .option("--source-assignee <id>", "principal for the source side")
    .option("--target-assignee <id>", "principal for the target side")
    .addHelpText(
      "after",
      examples(
        "dataplane permissions --source src-vault.json --target dst-vault.json",
        "dataplane permissions --source src.json --target dst.json --mode template --assignee me@example.com",
      ),
    )
    .action((opts: Record<string, unknown>, command: Command) => {
      exitCode = permissionsCommand(
        envFor(command),
        opts as unknown as Parameters<typeof permissionsCommand>[1],
      );
    });

  const emulators = program
    .command("emulators")
    .description("local Azure endpoints (needs @dataplane/emulators)");
  emulators
    .command("start")
    .description(
      "start Azurite (Blob), the Key Vault and Azure Files emulators; write resource documents and a config",
    )
    .option(
      "--dir <dir>",
      "where to write resource documents, ca.pem and dataplane.config.json",
      ".dataplane/emulators",
    )
    .option("--seed", "fill the source vault and account with a sample estate")
    .option("--table", "also start Azurite's table service (for table plugins)")
    .addHelpText(
      "after",
      examples(
        "dataplane emulators start --seed",
        "dataplane discover .dataplane/emulators/resources/source-vault.json --config .dataplane/emulators/dataplane.config.json",
      ),
    )
    .action(async (opts: Record<string, unknown>, command: Command) => {
      exitCode = await emulatorsStartCommand(envFor(command), opts, abort.signal);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      ) {
        return ExitCodes.Done;
      }
      return ExitCodes.CouldNotRun;
    }
    const debug = argv.includes("--debug");
    const redactor = new SecretRedactor();
    io.stderr(`error: ${redactor.redact(formatError(error))}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr(`${redactor.redact(error.stack)}\n`);
    if (pre.json) {
      io.stdout(
        `${JSON.stringify({
          type: "error",
          code: isDataplaneError(error) ? error.code : "DP_INTERNAL",
          message: redactor.redact(formatError(error)),
        })}\n`,
      );
    }
    return isCouldNotRun(error) || !isDataplaneError(error) ? ExitCodes.CouldNotRun : ExitCodes.ItemFailures;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
  return exitCode;
}
