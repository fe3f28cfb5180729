import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** This package's folder (what `--plugin` or `DATAPLANE_PLUGINS` names) and the built CLI. */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = resolve(PACKAGE_DIR, "../cli/dist/bin.js");

export interface Outcome {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs the built CLI as a user would (async: the emulators live in the test's process), waiting
 * until its output is closed, not only until it exits, so nothing it printed is cut.
 */
export function runDataplane(
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>> } = {},
): Promise<Outcome> {
  const child = spawn(process.execPath, [CLI, ...args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => done({ code, out, err }));
  });
}
