import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type LaunchState,
  MEMORY_FLAGS,
  missingMemoryFlags,
  missingRuntimeFlags,
  RUNTIME_V8_FLAGS,
} from "../src/index.js";

const probe = fileURLToPath(new URL("./fixtures/launch-probe.mjs", import.meta.url));

interface Probe {
  pid: number;
  execArgv: string[];
  args: string[];
  marker: string | null;
  stdin?: string;
}

/** Runs the probe as a command would be run; its pid as the parent saw it, and what it printed. */
function run(
  args: string[],
  options: { env?: Record<string, string>; nodeArgs?: string[]; input?: string } = {},
): Promise<{ spawnedPid: number; code: number | null; out: Probe; stderr: string }> {
  const { NODE_OPTIONS: _, ...env } = process.env;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), probe, ...args], {
    env: { ...env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ spawnedPid: child.pid!, code, out: JSON.parse(stdout.trim()) as Probe, stderr }),
    );
  });
}

const state = (over: Partial<LaunchState>): LaunchState => ({
  execArgv: [],
  nodeOptions: undefined,
  relaunched: false,
  canReplace: true,
  hasChannel: false,
  ...over,
});

describe("memory flags: which are missing", () => {
  it("adds the flags to a plain process", () => {
    expect(missingMemoryFlags(state({}))).toEqual([...MEMORY_FLAGS]);
    expect(MEMORY_FLAGS.length).toBeGreaterThan(0);
  });

  it("leaves the user's own choice alone, whatever its value or spelling", () => {
    expect(missingMemoryFlags(state({ execArgv: ["--max-semi-space-size=64"] }))).toEqual([]);
    expect(missingMemoryFlags(state({ execArgv: ["--max_semi_space_size=8"] }))).toEqual([]);
    expect(
      missingMemoryFlags(state({ nodeOptions: "--enable-source-maps --max-semi-space-size=32" })),
    ).toEqual([]);
    // an unrelated option changes nothing
    expect(missingMemoryFlags(state({ nodeOptions: "--max-old-space-size=512" }))).toEqual([...MEMORY_FLAGS]);
    // the runtime V8 options: the user's, on Node's command line, are kept
    expect(missingRuntimeFlags([])).toEqual([...RUNTIME_V8_FLAGS]);
    expect(missingRuntimeFlags(RUNTIME_V8_FLAGS.map((f) => `${f.split("=")[0]}=7`))).toEqual([]);
  });

  it("never an option this Node does not know (it would refuse to start)", () => {
    expect(missingMemoryFlags(state({ knows: () => false }))).toEqual([]);
    // every option the command starts with is one Node documents (NODE_OPTIONS accepts it)
    for (const flag of MEMORY_FLAGS)
      expect(process.allowedNodeEnvironmentFlags.has(flag.split("=")[0]!)).toBe(true);
  });

  it("never twice, never where the process cannot be replaced or has an IPC channel", () => {
    expect(missingMemoryFlags(state({ relaunched: true }))).toEqual([]);
    expect(missingMemoryFlags(state({ canReplace: false }))).toEqual([]);
    expect(missingMemoryFlags(state({ hasChannel: true }))).toEqual([]);
  });
});

// process.execve exists on POSIX from Node 22.15 (CI runs Linux with Node 24).
describe("memory flags: the process replaces itself", () => {
  it("same process id, same arguments, same standard streams and exit code; once", async () => {
    const result = await run(["a", "b c", "--read-stdin"], { input: "piped in", env: { PROBE_EXIT: "3" } });
    expect(result.out.execArgv).toEqual([...MEMORY_FLAGS]);
    expect(result.out.pid).toBe(result.spawnedPid);
    expect(result.out.args).toEqual(["a", "b c", "--read-stdin"]);
    expect(result.out.stdin).toBe("piped in");
    // the marker is for this process only: what it starts decides for itself
    expect(result.out.marker).toBeNull();
    expect(result.code).toBe(3);
    expect(result.stderr).toBe("");
  });

  it("keeps Node's own options, and the user's choice in NODE_OPTIONS or on the command line", async () => {
    const kept = await run([], { nodeArgs: ["--stack-trace-limit=50"] });
    expect(kept.out.execArgv).toEqual([...MEMORY_FLAGS, "--stack-trace-limit=50"]);
    const own = await run([], { env: { NODE_OPTIONS: "--max-semi-space-size=16" } });
    expect(own.out.execArgv).toEqual([]);
    expect(own.out.pid).toBe(own.spawnedPid);
    const cli = await run([], { nodeArgs: ["--max-semi-space-size=32"] });
    expect(cli.out.execArgv).toEqual(["--max-semi-space-size=32"]);
    // DATAPLANE_NODE_DEFAULTS: nothing changed
    const defaults = await run([], { env: { DATAPLANE_NODE_DEFAULTS: "1" } });
    expect(defaults.out.execArgv).toEqual([]);
  });
});
