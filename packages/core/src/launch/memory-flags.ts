// How a dataplane process bounds V8's memory. Imported on its own (`@dataplane/core/launch`)
// by a command's entry point before anything else is loaded: it imports nothing but node:v8.
import { setFlagsFromString } from "node:v8";

/*
 * V8 sizes its young generation (where every short-lived object of a listing is born) from the
 * memory it can see: on a machine with gigabytes free a busy process grows it to 3 × 64 MB and
 * keeps it, although almost nothing in it is alive; and it lets the old generation grow to four
 * times what survived the last full collection before collecting again, so the requests in
 * flight, which outlive a small young generation, pile up as garbage. Streaming work needs
 * neither: with 2 MB semi-spaces and the old generation collected once it has grown by half,
 * peak RSS falls by 100–200 MB for about 1 µs more CPU per item (`pnpm bench`), nothing beside
 * a service's round trips.
 */

/**
 * Node options a dataplane process is started with (documented Node options: the young
 * generation's size is fixed when the process starts, so the process replaces itself to set it).
 */
export const MEMORY_FLAGS: readonly string[] = ["--max-semi-space-size=2"];

/**
 * V8 options read at every collection, set in the running process (not on Node's command line,
 * where an option a later V8 no longer knows would stop Node from starting at all).
 */
export const RUNTIME_V8_FLAGS: readonly string[] = ["--heap-growing-percent=50"];

/** Set in the environment of the process that replaced itself, so it never does so twice. */
export const RELAUNCH_MARKER = "DATAPLANE_RELAUNCHED";

/** Set (to anything) by a user who wants Node's and V8's own defaults: nothing is changed. */
export const NODE_DEFAULTS_ENV = "DATAPLANE_NODE_DEFAULTS";

/** What decides whether a process should be started again with {@link MEMORY_FLAGS}. */
export interface LaunchState {
  /** Node's own options of the process (`process.execArgv`). */
  readonly execArgv: readonly string[];
  /** `NODE_OPTIONS`, which the user may have set. */
  readonly nodeOptions: string | undefined;
  /** The process was already started again (the marker is set). */
  readonly relaunched: boolean;
  /** `process.execve` exists (POSIX, Node ≥ 22.15). */
  readonly canReplace: boolean;
  /** The process has an IPC channel to its parent, which replacing it would close. */
  readonly hasChannel: boolean;
  /** Options this Node accepts (`process.allowedNodeEnvironmentFlags`); default: all. */
  readonly knows?: (flag: string) => boolean;
}

function flagName(flag: string): string {
  const at = flag.indexOf("=");
  return (at < 0 ? flag : flag.slice(0, at)).replaceAll("_", "-");
}

/** Option names the user chose (Node's command line and `NODE_OPTIONS`). */
function chosen(execArgv: readonly string[], nodeOptions: string | undefined): Set<string> {
  return new Set(
    [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].filter((a) => a.startsWith("--")).map(flagName),
  );
}

/**
 * The flags of {@link MEMORY_FLAGS} the process lacks: none when the user set the same option
 * (in `NODE_OPTIONS` or on Node's command line: their choice wins, whatever its value), when
 * this Node does not know it, when the process was already started again, cannot be replaced,
 * or talks to its parent over IPC.
 */
export function missingMemoryFlags(state: LaunchState): string[] {
  if (state.relaunched || !state.canReplace || state.hasChannel) return [];
  const set = chosen(state.execArgv, state.nodeOptions);
  return MEMORY_FLAGS.filter((flag) => !set.has(flagName(flag)) && (state.knows?.(flagName(flag)) ?? true));
}

/** The flags of {@link RUNTIME_V8_FLAGS} the user has not set on Node's command line. */
export function missingRuntimeFlags(execArgv: readonly string[]): string[] {
  const set = chosen(execArgv, undefined);
  return RUNTIME_V8_FLAGS.filter((flag) => !set.has(flagName(flag)));
}

type Execve = (file: string, args: readonly string[], env: Record<string, string | undefined>) => void;

/**
 * Bounds the running command's memory: replaces it by itself with {@link MEMORY_FLAGS} (same
 * process id, same standard streams, so signals, exit codes and pipes are unchanged; about
 * 40 ms), then sets {@link RUNTIME_V8_FLAGS}. Call it first thing in a command's entry point.
 * Does not replace the process where it cannot (Windows, Node < 22.15, an IPC child) or need
 * not; if the replacement fails, the command goes on as it is. With `DATAPLANE_NODE_DEFAULTS`
 * set, changes nothing.
 */
export function relaunchWithMemoryFlags(): void {
  const env = process.env;
  const relaunched = env[RELAUNCH_MARKER] !== undefined;
  // Only this process: what it starts (plugins' helpers, emulators) decides for itself.
  delete env[RELAUNCH_MARKER];
  if (env[NODE_DEFAULTS_ENV] !== undefined && env[NODE_DEFAULTS_ENV] !== "") return;
  const execve = (process as unknown as { execve?: Execve }).execve;
  const script = process.argv[1];
  const missing = missingMemoryFlags({
    execArgv: process.execArgv,
    nodeOptions: env.NODE_OPTIONS,
    relaunched,
    canReplace: typeof execve === "function" && script !== undefined,
    hasChannel: process.channel !== undefined,
    knows: (flag) => process.allowedNodeEnvironmentFlags.has(flag),
  });
  if (missing.length > 0 && execve && script) {
    try {
      execve.call(
        process,
        process.execPath,
        [process.execPath, ...missing, ...process.execArgv, script, ...process.argv.slice(2)],
        { ...env, [RELAUNCH_MARKER]: "1" },
      );
    } catch {
      // execve(2) failed: the process is unchanged and runs with Node's defaults
    }
  }
  for (const flag of missingRuntimeFlags(process.execArgv)) setFlagsFromString(flag);
}
