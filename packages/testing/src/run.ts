import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkPluginShape, type DataPlanePlugin, formatError, type ReplicationResult } from "@dataplane/core";
import { accessSecrets, CanaryScanner } from "./canaries.js";
import { completeReplication } from "./checks/complete-replication.js";
import { dryRunPurity } from "./checks/dry-run-purity.js";
import { entryPoint } from "./checks/entry-point.js";
import { generatedCode } from "./checks/generated-code.js";
import { idempotentReplication } from "./checks/idempotent-replication.js";
import { redaction } from "./checks/redaction.js";
import { shape } from "./checks/shape.js";
import { streamingDiscovery } from "./checks/streaming-discovery.js";
import { ConformanceFailure, isConformanceFailure } from "./failure.js";
import { choosePlugin, type LoadedPackage, loadPackage, readPackageJson } from "./load.js";
import type { Subject } from "./operations.js";
import {
  CHECK_NAMES,
  type ConformanceCheckName,
  type ConformanceEnvironment,
  type ConformanceOptions,
} from "./options.js";

/** One check: its name, the sentence a test report shows, and what it runs. */
export interface ConformanceCheck {
  readonly name: ConformanceCheckName;
  readonly title: string;
  readonly needsEnvironment: boolean;
}

const CHECKS: Readonly<
  Record<ConformanceCheckName, { title: string; needsEnvironment: boolean; run: CheckFn }>
> = {
  "entry-point": {
    title:
      'is found and loaded by core: "dataplane.apiVersion" covers the contract, "./dataplane-plugin" registers it',
    needsEnvironment: false,
    run: entryPoint,
  },
  shape: {
    title: "has the contract's shape (checkPluginShape), and declares the options and formats the suite uses",
    needsEnvironment: false,
    run: shape,
  },
  "streaming-discovery": {
    title:
      "discovers by streaming: an AsyncIterable of items with declared kinds, unique stable keys, JSON properties",
    needsEnvironment: true,
    run: streamingDiscovery,
  },
  "generated-code": {
    title: "generates code that parses, with every sensitive value a declared variable, never a literal",
    needsEnvironment: true,
    run: generatedCode,
  },
  "dry-run-purity": {
    title:
      "plans a dry run without writing: the target is unchanged and nothing is counted as created or updated",
    needsEnvironment: true,
    run: dryRunPurity,
  },
  redaction: {
    title:
      "never shows a secret: no canary in items, files, logs at debug level, events, report lines, results or the process's stdout/stderr",
    needsEnvironment: true,
    run: redaction,
  },
  "idempotent-replication": {
    title: "replicates idempotently: a second run writes nothing and leaves the target as it was",
    needsEnvironment: true,
    run: idempotentReplication,
  },
  "complete-replication": {
    title:
      "replicates completely: every item discovered in the source is discovered in the target afterwards",
    needsEnvironment: true,
    run: completeReplication,
  },
};

type CheckFn = (run: ConformanceRun, check: ConformanceCheckName) => Promise<void>;

function packageDirOf(dir: string | URL): string {
  return dir instanceof URL || dir.startsWith("file:") ? fileURLToPath(dir) : resolve(dir);
}

/**
 * The conformance checks of one plugin against one environment, usable with any test runner:
 * `describePluginConformance` wraps it for vitest. Checks share the environment and run in the
 * order of `checks`; each one that needs a real replication first does one if none ran yet.
 */
export class ConformanceRun {
  readonly packageDir: string;
  readonly checks: readonly ConformanceCheck[];
  /** The first real replication into the fresh target, whichever check ran it. */
  firstWrite: ReplicationResult | undefined;
  #loaded: Promise<LoadedPackage> | undefined;
  #env: Promise<ConformanceEnvironment> | undefined;

  constructor(readonly options: ConformanceOptions) {
    this.packageDir = packageDirOf(options.packageDir);
    this.checks = CHECK_NAMES.map((name) => ({
      name,
      title: CHECKS[name].title,
      needsEnvironment: CHECKS[name].needsEnvironment,
    }));
  }

  /** A short label for the package: its name, else its folder. */
  get label(): string {
    const name = readPackageJson(this.packageDir)?.name;
    return typeof name === "string" ? name : basename(this.packageDir);
  }

  /** Runs one check; throws a `ConformanceFailure` when the plugin fails it. */
  async run(name: ConformanceCheckName): Promise<void> {
    try {
      await CHECKS[name].run(this, name);
    } catch (error) {
      throw await this.#explain(name, error);
    }
  }

  /** A failure whose message never shows a canary; a plugin's own exception becomes a failure. */
  async #explain(name: ConformanceCheckName, error: unknown): Promise<ConformanceFailure> {
    const env = await this.#env?.catch(() => undefined);
    const scanner = env
      ? new CanaryScanner(env.canaries ?? [], [
          ...accessSecrets(env.sourceAccess),
          ...accessSecrets(env.targetAccess),
        ])
      : undefined;
    const mask = (text: string) => (scanner ? scanner.mask(text) : text);
    if (isConformanceFailure(error)) return new ConformanceFailure(error.check, mask(error.detail));
    return new ConformanceFailure(name, `the plugin threw: ${mask(formatError(error))}`);
  }

  load(): Promise<LoadedPackage> {
    this.#loaded ??= loadPackage(this.packageDir);
    return this.#loaded;
  }

  /** The plugin under test, once it loaded with a valid shape; otherwise a failure of `check`. */
  async plugin(check: ConformanceCheckName): Promise<DataPlanePlugin> {
    const loaded = await this.load();
    const chosen = choosePlugin(loaded, this.options.plugin);
    if ("reason" in chosen) throw new ConformanceFailure(check, `cannot check the plugin: ${chosen.reason}`);
    const shape = checkPluginShape(chosen.offered);
    if (!shape.ok) {
      throw new ConformanceFailure(
        check,
        `cannot check the plugin: it has an invalid shape: ${shape.reason}`,
      );
    }
    return shape.plugin;
  }

  environment(check: ConformanceCheckName): Promise<ConformanceEnvironment> {
    this.#env ??= this.options.environment();
    return this.#env.catch((error: unknown) => {
      throw new ConformanceFailure(
        check,
        `the environment could not be built: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  async subject(check: ConformanceCheckName): Promise<Subject> {
    const plugin = await this.plugin(check);
    const env = await this.environment(check);
    return { plugin, env, options: this.options.options };
  }

  /** Cleans the environment up, if one was built. */
  async teardown(): Promise<void> {
    const env = this.#env;
    this.#env = undefined;
    if (!env) return;
    const built = await env.catch(() => undefined);
    await built?.cleanup();
  }
}

export function createConformanceRun(options: ConformanceOptions): ConformanceRun {
  return new ConformanceRun(options);
}
