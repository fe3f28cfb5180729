import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  CORE_VERSION,
  createLogger,
  type DataPlanePlugin,
  DataplaneError,
  ErrorCodes,
  type JsonObject,
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
  readonly logFile?: string;
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
  /**
   * Where commands write. While live progress bars are drawn, every write takes them out of
   * the way first, so no line a user is meant to read is overwritten by a redraw.
   */
  readonly io: CliIo;
  #config: LoadedConfig | undefined;
  #live: ProgressOutput | undefined;
  readonly #logFile: string | undefined;
  readonly #raw: CliIo;

  constructor(
    io: CliIo,
    readonly flags: GlobalFlags,
    readonly host: HostPlugins,
    readonly surfacedOptions: readonly SurfacedOption[],
    private readonly configError: unknown,
    config: LoadedConfig | undefined,
  ) {
    this.#config = config;
    this.#raw = io;
    this.#logFile = flags.logFile ? resolve(io.cwd, flags.logFile) : undefined;
    if (this.#logFile) {
      try {
        mkdirSync(dirname(this.#logFile), { recursive: true });
        appendFileSync(this.#logFile, `${new Date().toISOString()} dataplane ${CORE_VERSION} started\n`);
      } catch (error) {
        throw new DataplaneError(
          ErrorCodes.InvalidInput,
          `cannot write --log-file ${flags.logFile}: ${(error as Error).message}`,
          { hint: "Give a path in a folder you can write to" },
        );
      }
    }
    const through =
      (write: (text: string) => void, file: boolean) =>
      (text: string): void => {
        if (file) this.#toLogFile(text);
        if (this.#live) this.#live.around(() => write(text));
        else write(text);
      };
    this.io = {
      cwd: io.cwd,
      isTTY: io.isTTY,
      stdout: through(io.stdout, !flags.json),
      stderr: through(io.stderr, true),
    };
    const level: LogLevel = flags.debug ? "debug" : flags.quiet ? "warn" : "info";
    const screen = createLogger({
      level,
      redactor: this.redactor,
      json: flags.json ?? false,
      write: (line) => through(io.stderr, false)(`${line}\n`),
    });
    const file = this.#logFile
      ? createLogger({
          level: "debug",
          redactor: this.redactor,
          write: (line) => this.#toLogFile(`${line}\n`),
        })
      : undefined;
    const tee =
      (level: "debug" | "info" | "warn" | "error") =>
      (message: string, fields?: JsonObject): void => {
        screen[level](message, fields);
        file?.[level](message, fields);
      };
    this.logger = file
      ? { debug: tee("debug"), info: tee("info"), warn: tee("warn"), error: tee("error") }
      : screen;
  }

  /** Writes to the `--log-file` only (what `--quiet` keeps off the screen, such as the summary). */
  logOnly(text: string): void {
    this.#toLogFile(text);
  }

  /** `--log-file`: every line, redacted and time-stamped, whatever `--quiet` says. */
  #toLogFile(text: string): void {
    if (!this.#logFile) return;
    const stamp = new Date().toISOString();
    const lines = this.redactor
      .redact(text)
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => `${stamp} ${l}\n`)
      .join("");
    if (lines) appendFileSync(this.#logFile, lines);
  }

  /** The loaded config; a broken config file is an error only for commands that need it. */
  get config(): LoadedConfig {
    if (this.configError) throw this.configError;
    if (!this.#config) this.#config = loadConfig(this.flags.config, this.io.cwd);
    return this.#config;
  }

  progress(verb: "discover" | "replicate"): ProgressOutput {
    const screen = createProgressOutput({
      json: this.flags.json ?? false,
      verbose: this.flags.verbose ?? false,
      debug: this.flags.debug ?? false,
      quiet: this.flags.quiet ?? false,
      bars: this.io.isTTY && this.flags.progress !== false && !this.flags.json && !this.flags.quiet,
      verb,
      stdout: this.#raw.stdout,
      stderr: this.#raw.stderr,
    });
    // the log file gets every item line (as --verbose --debug would print them)
    const file = this.#logFile
      ? createProgressOutput({
          json: false,
          verbose: true,
          debug: true,
          quiet: false,
          bars: false,
          verb,
          stdout: () => {},
          stderr: (text) => this.#toLogFile(text),
        })
      : undefined;
    const output: ProgressOutput = {
      emit: (event) => {
        screen.emit(event);
        file?.emit(event);
      },
      stop: () => {
        screen.stop();
        file?.stop();
        if (this.#live === output) this.#live = undefined;
      },
      log: (line) => {
        this.#toLogFile(`${line}\n`);
        screen.log(line);
      },
      around: (write) => screen.around(write),
    };
    this.#live = output;
    return output;
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
