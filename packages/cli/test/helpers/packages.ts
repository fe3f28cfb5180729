import { execFileSync, type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
export const CLI_BIN = join(WORKSPACE, "packages/cli/dist/bin.js");

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The per-user state folder (run locks) of the CLI runs of one test file: files run side by
 * side and may replicate into targets with the same id; runs within one file share it.
 */
export const STATE_DIR = tempDir("dp-state-");

function newest(dir: string, before: Set<string>): string {
  const added = readdirSync(dir).filter((f) => f.endsWith(".tgz") && !before.has(f));
  if (added.length !== 1) throw new Error(`expected one new tarball in ${dir}, found ${added.join(", ")}`);
  return join(dir, added[0]!);
}

/** `pnpm pack` a workspace package (workspace: ranges become real versions). */
export function packWorkspace(pkg: string, dest: string): string {
  return packDir(join(WORKSPACE, "packages", pkg), dest);
}

/** `pnpm pack` any folder of the workspace (examples/ too). */
export function packDir(dir: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  const before = new Set(readdirSync(dest));
  execFileSync("pnpm", ["pack", "--pack-destination", dest], { cwd: dir, stdio: "pipe" });
  return newest(dest, before);
}

/** `npm pack` a folder after copying it and filling `__PLACEHOLDERS__` in its package.json. */
export function packFolder(folder: string, dest: string, replacements: Record<string, string> = {}): string {
  const work = tempDir("dp-pack-");
  cpSync(folder, work, { recursive: true });
  const pkgPath = join(work, "package.json");
  let text = readFileSync(pkgPath, "utf8");
  for (const [k, v] of Object.entries(replacements)) text = text.replaceAll(k, v);
  writeFileSync(pkgPath, text);
  mkdirSync(dest, { recursive: true });
  const before = new Set(readdirSync(dest));
  execFileSync("npm", ["pack", "--pack-destination", dest, "--loglevel=error"], { cwd: work, stdio: "pipe" });
  return newest(dest, before);
}

/** A copy of a packed package with another version (a second, different @dataplane/core). */
export function repackWithVersion(tarball: string, version: string, dest: string): string {
  const work = tempDir("dp-repack-");
  execFileSync("tar", ["xzf", tarball, "-C", work]);
  const pkgDir = join(work, "package");
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };
  pkg.version = version;
  writeFileSync(join(pkgDir, "package.json"), JSON.stringify(pkg, null, 2));
  return packFolder(pkgDir, dest);
}

/** A project outside the workspace with these dependencies (tarball paths), installed by npm. */
export function makeProject(name: string, dependencies: Record<string, string>): string {
  const dir = tempDir(`dp-project-${name}-`);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: `project-${name}`,
        private: true,
        type: "module",
        dependencies: Object.fromEntries(Object.entries(dependencies).map(([k, v]) => [k, `file:${v}`])),
      },
      null,
      2,
    ),
  );
  npmInstall(dir, []);
  return dir;
}

export function npmInstall(dir: string, args: string[]): void {
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...args],
    {
      cwd: dir,
      stdio: "pipe",
      timeout: 240_000,
    },
  );
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function result(r: SpawnSyncReturns<string>): CliRun {
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a `dataplane` binary (default: the workspace build) in `cwd`. */
export function runCli(
  args: string[],
  options: { cwd: string; bin?: string; env?: Record<string, string | undefined> },
): CliRun {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATAPLANE_PLUGINS: undefined,
    DATAPLANE_CONFIG: undefined,
    DATAPLANE_STATE_DIR: STATE_DIR,
    ...options.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return result(
    spawnSync(process.execPath, [options.bin ?? CLI_BIN, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      encoding: "utf8",
      timeout: 120_000,
    }),
  );
}

/**
 * Like `runCli`, without blocking this process: needed whenever the endpoints (in-process
 * emulators) live in the test process itself.
 */
export function runCliAsync(
  args: string[],
  options: { cwd: string; bin?: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<CliRun> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATAPLANE_PLUGINS: undefined,
    DATAPLANE_CONFIG: undefined,
    DATAPLANE_STATE_DIR: STATE_DIR,
    ...options.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? CLI_BIN, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 150_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
