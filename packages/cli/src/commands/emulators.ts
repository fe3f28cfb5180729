import { resolve } from "node:path";
import { DataplaneError, ErrorCodes, locatePackage } from "@dataplane/core";
import type { CommandEnv } from "../env.js";
import { nodeModulesBesideCli } from "../host/plugins.js";

export interface EmulatorsFlags {
  readonly dir?: string;
  readonly seed?: boolean;
  readonly table?: boolean;
}

interface EmulatorsModule {
  startEmulators(options?: {
    seed?: boolean;
    table?: boolean;
  }): Promise<{ stop(): Promise<void> } & Record<string, unknown>>;
  writeEmulatorFiles(dir: string, started: unknown): Promise<unknown> | unknown;
  describeEmulators?(started: unknown): string;
}

// A variable specifier: the emulators are an optional peer, not a build-time dependency.
const EMULATORS_PACKAGE: string = "@dataplane/emulators";

async function importEmulators(cwd: string): Promise<EmulatorsModule> {
  const attempts = [
    () => import(EMULATORS_PACKAGE),
    async () => {
      const dir = locatePackage("@dataplane/emulators", cwd);
      if (!dir) throw new Error("not found");
      return import(resolve(dir, "dist", "index.js"));
    },
    async () => {
      const beside = nodeModulesBesideCli();
      const dir = beside ? locatePackage("@dataplane/emulators", beside) : undefined;
      if (!dir) throw new Error("not found");
      return import(resolve(dir, "dist", "index.js"));
    },
  ];
  for (const attempt of attempts) {
    try {
      return (await attempt()) as unknown as EmulatorsModule;
    } catch {
      // try the next place
    }
  }
  throw new DataplaneError(ErrorCodes.InvalidInput, "the emulators are not installed", {
    hint: "npm install @dataplane/emulators (next to @dataplane/cli) and run the command again",
  });
}

/** `dataplane emulators start`: local Key Vault, Blob (Azurite) and Files endpoints until Ctrl-C. */
export async function emulatorsStartCommand(
  env: CommandEnv,
  flags: EmulatorsFlags,
  signal: AbortSignal,
): Promise<number> {
  const mod = await importEmulators(env.io.cwd);
  const dir = resolve(env.io.cwd, flags.dir ?? ".dataplane/emulators");
  const started = await mod.startEmulators({ seed: flags.seed ?? false, table: flags.table ?? false });
  try {
    await mod.writeEmulatorFiles(dir, started);
    const description = mod.describeEmulators ? mod.describeEmulators(started) : "";
    if (env.flags.json) {
      env.io.stdout(`${JSON.stringify({ type: "emulators-started", dir })}\n`);
    } else {
      env.io.stdout(
        `${description}${description.endsWith("\n") || description === "" ? "" : "\n"}resource documents and dataplane.config.json written to ${dir}\n` +
          `try: dataplane discover ${dir}/resources/source-vault.json --config ${dir}/dataplane.config.json\n` +
          "Press Ctrl-C to stop.\n",
      );
    }
    await new Promise<void>((resolveWait) => {
      if (signal.aborted) resolveWait();
      signal.addEventListener("abort", () => resolveWait(), { once: true });
    });
  } finally {
    await started.stop();
  }
  env.io.stderr("emulators stopped\n");
  return 0;
}
