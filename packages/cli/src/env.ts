import {
  createLogger,
  type DataPlanePlugin,
  DataplaneError,
  ErrorCodes,
  type Logger,
  type LogLevel,
  type OptionValues,
  type PluginOptionSpec,
  SecretRedactor,
  type Verb,
} from "@dataplane/core";
import { type LoadedConfig, loadConfig } from "./config/config.js";
import type { HostPlugins } from "./host/plugins.js";
import { createProgressOutput, type ProgressOutput } from "./output/progress.js";

/** Where the CLI writes, and what it runs in: injectable for tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly isTTY: boolean;
}

export interface GlobalFlags {
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly verbose?: boolean;
  readonly quiet?: boolean;
  readonly progress?: boolean;
  readonly config?: string;
}

/** A plugin option as surfaced on the command line (flag name may be namespaced on collisions). */
export interface SurfacedOption {
  readonly plugin: string;
  readonly spec: PluginOptionSpec;
  readonly flag: string;
  /** commander's camelCase attribute name. */
  readonly attribute: string;
}

/** What every command shares: I/O, config, plugins, the redactor and a redacting logger. */
export class CommandEnv {
  readonly redactor = new SecretRedactor();
  readonly logger: Logger;
  #config: LoadedConfig | undefined;

  constructor(
    readonly io: CliIo,
    readonly flags: GlobalFlags,
    readonly host: HostPlugins,
    readonly surfacedOptions: readonly SurfacedOption[],
    private readonly configError: unknown,
    config: LoadedConfig | undefined,
  ) {
    this.#config = config;
    const level: LogLevel = flags.debug ? "debug" : flags.quiet ? "warn" : "info";
    this.logger = createLogger({
      level,
      redactor: this.redactor,
      json: flags.json ?? false,
      write: (line) => io.stderr(`${line}\n`),
    });
  }

  /** The loaded config; a broken config file is an error only for commands that need it. */
  get config(): LoadedConfig {
    if (this.configError) throw this.configError;
    if (!this.#config) this.#config = loadConfig(this.flags.config, this.io.cwd);
    return this.#config;
  }

  progress(): ProgressOutput {
    return createProgressOutput({
      json: this.flags.json ?? false,
      verbose: this.flags.verbose ?? false,
      debug: this.flags.debug ?? false,
      bars: this.io.isTTY && this.flags.progress !== false && !this.flags.json && !this.flags.quiet,
      stdout: this.io.stdout,
      stderr: this.io.stderr,
    });
  }

  /** The values of one plugin's options for one verb, from the parsed command options. */
  pluginOptions(plugin: DataPlanePlugin, verb: Verb, parsed: Record<string, unknown>): OptionValues {
    const values: Record<string, string | number | boolean | undefined> = {};
    for (const o of this.surfacedOptions) {
      if (o.plugin !== plugin.name || !o.spec.verbs.includes(verb)) continue;
      const raw = parsed[o.attribute];
      let value: string | number | boolean | undefined =
        raw === undefined ? o.spec.default : (raw as string | number | boolean);
      if (o.spec.type === "number" && typeof value === "string") {
        const n = Number(value);
        if (!Number.isFinite(n)) {
          throw new DataplaneError(
            ErrorCodes.InvalidInput,
            `--${o.flag} expects a number, got ${JSON.stringify(value)}`,
            {
              hint: o.spec.description,
            },
          );
        }
        value = n;
      }
      if (o.spec.choices && typeof value === "string" && !o.spec.choices.includes(value)) {
        throw new DataplaneError(
          ErrorCodes.InvalidInput,
          `--${o.flag} must be one of ${o.spec.choices.join(", ")}, got ${JSON.stringify(value)}`,
          {
            hint: o.spec.description,
          },
        );
      }
      values[o.spec.name] = value;
    }
    return values;
  }
}
