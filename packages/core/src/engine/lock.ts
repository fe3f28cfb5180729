import { createHash } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";

/**
 * One run per (plugin, target resource, shard) on a machine: an exclusive lock file, created
 * with `O_CREAT | O_EXCL` (atomic on local file systems), holding the owner's pid, host and
 * start time. A lock whose process is gone (same host, pid no longer alive) is taken over.
 *
 * Why not `proper-lockfile`: it judges staleness by the lock's age only (a SIGKILLed run's lock
 * would block every run until a time-out passes, and a suspended run would lose its lock), and
 * it records no owner, so the refusal could not say which run holds the target. What is needed
 * here — an exclusive create, the owner's identity, a liveness check by pid — is three system
 * calls of `node:fs` and `process.kill(pid, 0)`.
 */

export interface RunLockIdentity {
  readonly plugin: string;
  readonly target: string;
  readonly shard: string;
}

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly plugin: string;
  readonly target: string;
  readonly shard: string;
}

export interface RunLockHandle {
  /** Set when a stale lock of a dead run was taken over: one line saying so. */
  readonly tookOver?: string;
  readonly path: string;
  release(): void;
}

/**
 * The per-user state folder (independent of `--checkpoint`): `DATAPLANE_STATE_DIR`, else
 * `$XDG_STATE_HOME/dataplane`, else `%LOCALAPPDATA%\dataplane` on Windows, else
 * `~/.local/state/dataplane`.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DATAPLANE_STATE_DIR) return env.DATAPLANE_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "dataplane");
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "dataplane");
  return join(homedir(), ".local", "state", "dataplane");
}

/** The prefix of every lock of one (plugin, target): target ids are compared case-insensitively. */
function lockBase(identity: RunLockIdentity): string {
  return createHash("sha256")
    .update(JSON.stringify([identity.plugin, identity.target.toLowerCase()]))
    .digest("hex")
    .slice(0, 24);
}

/** `k/n` → `k-of-n`, `range:k/n` → `range-k-of-n` (file-name safe). */
function shardTag(shard: string): string {
  const range = shard.startsWith("range:");
  const tag = shard.replace(/^range:/, "").replace(/[^0-9]+/g, "-of-");
  return range ? `range-${tag}` : tag;
}

/** The lock file of one (plugin, target, shard). */
export function runLockPath(dir: string, identity: RunLockIdentity): string {
  return join(dir, `${lockBase(identity)}.${shardTag(identity.shard)}.lock`);
}

/**
 * Shards k/n and j/m share items unless they split the keys the same way (same kind of shard —
 * hash or range — and n = m) and differ.
 */
function overlaps(a: string, b: string): boolean {
  if (a.startsWith("range-") !== b.startsWith("range-")) return true;
  const [ai, an] = a
    .replace(/^range-/, "")
    .split("-of-")
    .map(Number);
  const [bi, bn] = b
    .replace(/^range-/, "")
    .split("-of-")
    .map(Number);
  return an !== bn || ai === bi;
}

/** A lock file still being written by its creator is not judged stale before this. */
const TORN_GRACE_MS = 5_000;

function readOwner(path: string): LockOwner | undefined | "gone" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") return parsed as LockOwner;
  } catch {
    // torn or foreign content: judged by age below
  }
  return undefined;
}

/** Whether the process that holds the lock may still be running. */
function alive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // another machine's run: cannot tell, so it holds
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function describe(owner: LockOwner): string {
  return `pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}`;
}

function refusal(identity: RunLockIdentity, holder: LockOwner | undefined, shard: string): DataplaneError {
  const who = holder ? describe(holder) : "a run that is starting";
  return new DataplaneError(
    ErrorCodes.Locked,
    `another run holds the target ${identity.target} (${identity.plugin}, shard ${shard}): ${who}`,
    {
      hint: `Wait for it to finish, or stop it${holder ? ` (kill ${holder.pid})` : ""} and run the same command with --resume; different --shard values of one split (1/4, 2/4, …) run side by side`,
    },
  );
}

/** A live lock of the same target whose shard shares items with ours; dead ones are removed. */
function overlappingHolder(
  dir: string,
  identity: RunLockIdentity,
  own: string,
): { owner: LockOwner | undefined; shard: string } | undefined {
  const base = lockBase(identity);
  const mine = shardTag(identity.shard);
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${base}.`) || !name.endsWith(".lock")) continue;
    const path = join(dir, name);
    if (path === own) continue;
    const tag = name.slice(base.length + 1, -".lock".length);
    if (!overlaps(mine, tag)) continue;
    const owner = readOwner(path);
    if (owner === "gone") continue;
    const live = owner === undefined ? ageMs(path) < TORN_GRACE_MS : alive(owner);
    if (live) return { owner, shard: tag.replace("-of-", "/") };
    rmSync(path, { force: true });
  }
  return undefined;
}

/** Creates `path` exclusively with `content`; false when it exists. */
function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes the lock of one run or throws `DP_LOCKED` (exit code 2) naming the run that holds it.
 * Released by `release()`, and at process exit whatever the path out (a second Ctrl-C included).
 */
export function acquireRunLock(dir: string, identity: RunLockIdentity): RunLockHandle {
  mkdirSync(dir, { recursive: true });
  const path = runLockPath(dir, identity);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    plugin: identity.plugin,
    target: identity.target,
    shard: identity.shard,
  };
  const content = `${JSON.stringify(owner)}\n`;
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, content)) {
      // a run of another split of the same target (the whole of it, or --shard k/m with another m)
      // shares items with this one: it holds the target too
      try {
        const overlapping = overlappingHolder(dir, identity, path);
        if (overlapping) {
          rmSync(path, { force: true });
          throw refusal(identity, overlapping.owner, overlapping.shard);
        }
      } catch (error) {
        rmSync(path, { force: true });
        throw error;
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          if (readFileSync(path, "utf8") === content) unlinkSync(path);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return { path, release, ...(tookOver ? { tookOver } : {}) };
    }
    const holder = readOwner(path);
    if (holder === "gone") continue;
    if (holder === undefined ? ageMs(path) < TORN_GRACE_MS : alive(holder)) {
      throw refusal(identity, holder, identity.shard);
    }
    // The holder is gone: take its lock over, one taker at a time (a guard file, itself exclusive).
    const guard = `${path}.takeover`;
    if (!createExclusive(guard, content)) {
      if (ageMs(guard) > TORN_GRACE_MS) rmSync(guard, { force: true });
      continue;
    }
    try {
      const again = readOwner(path);
      const same =
        again === "gone" ||
        (again === undefined && holder === undefined) ||
        (again !== undefined &&
          holder !== undefined &&
          again.pid === holder.pid &&
          again.startedAt === holder.startedAt);
      if (same) {
        rmSync(path, { force: true });
        tookOver = `took over the lock of a run that is gone (${holder ? describe(holder) : "unreadable lock"}): ${path}`;
      }
    } finally {
      rmSync(guard, { force: true });
    }
  }
  throw new DataplaneError(ErrorCodes.Locked, `could not take the lock ${path}`, {
    hint: "Another run keeps taking it; wait for it to finish",
  });
}
