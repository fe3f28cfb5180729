import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, type CliRun, FIXTURES, runCliAsync, STATE_DIR, tempDir } from "./helpers/packages.js";
import { startVaultBed, type VaultBed, versionCounts } from "./helpers/vaults.js";

// Who holds a target, how a run stops: the run lock (issue 17.1), the graceful stop on SIGTERM
// (17.3), and a target that dies in the middle of a run (16.2) — through the CLI, over the Key
// Vault emulator with a small test plugin (real SDK clients over real HTTPS).

const KV = join(FIXTURES, "plugins", "kv-secrets");
const N = 120;
let bed: VaultBed;
let dir: string;

/** Slow enough that a run is still writing when the next one starts (waits on conditions, not time). */
const SLOW = { retryAfter: true, windowMs: 1000, limits: { secretCreate: 15 } };

beforeAll(async () => {
  dir = tempDir("dp-run-control-");
  bed = await startVaultBed(dir, [
    "source",
    "locked",
    "locked-cp",
    "shards",
    "stale",
    "sigterm",
    "twice",
    "dies",
    "emptied",
  ]);
  for (let i = 0; i < N; i++)
    bed.emulator.seedSecret("source", `secret-${String(i).padStart(3, "0")}`, `v-${i}`);
}, 60_000);

afterAll(async () => {
  await bed?.emulator.stop();
});

function args(target: string, extra: string[] = []): string[] {
  return [
    "replicate",
    "--source",
    bed.resource("source"),
    "--target",
    bed.resource(target),
    "--plugin",
    KV,
    "--config",
    bed.config,
    "--no-progress",
    ...extra,
  ];
}

interface Started {
  readonly child: ChildProcess;
  readonly done: Promise<CliRun>;
  exited: boolean;
  stderrSoFar(): string;
}

function start(argv: string[]): Started {
  const child = spawn(process.execPath, [CLI_BIN, ...argv], {
    cwd: dir,
    env: { ...process.env, DATAPLANE_PLUGINS: "", DATAPLANE_STATE_DIR: STATE_DIR },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const started: Started = {
    child,
    exited: false,
    stderrSoFar: () => stderr,
    done: new Promise((resolve) =>
      child.on("close", (code) => {
        started.exited = true;
        resolve({ code, stdout, stderr });
      }),
    ),
  };
  return started;
}

/** Resolves once the target holds at least `n` written versions. */
function writesReach(vault: string, n: number, run: Started): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (bed.emulator.stats(vault).secretVersionsCreated >= n) {
        clearInterval(timer);
        resolve();
      } else if (run.exited) {
        clearInterval(timer);
        reject(new Error(`the run ended before ${n} writes`));
      }
    }, 5);
  });
}

function journalEntries(folder: string): number {
  const files = readdirSync(folder).filter((f) => f.endsWith(".jsonl"));
  expect(files).toHaveLength(1);
  return readFileSync(join(folder, files[0]!), "utf8")
    .split("\n")
    .filter((l) => /"k":/.test(l) && /"s":/.test(l)).length; // finished items (not partition lines or markers)
}

async function everyOnce(vault: string): Promise<void> {
  const counts = await versionCounts(bed.client(vault));
  expect(counts.size).toBe(N);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

describe("the run lock", () => {
  for (const separate of [false, true]) {
    it(`a second identical run ${separate ? "with its own --checkpoint " : ""}refuses in one line; the target gets every version once`, async () => {
      const vault = separate ? "locked-cp" : "locked";
      bed.emulator.setThrottling(SLOW, vault);
      const first = start(args(vault, ["--checkpoint", join(dir, `cp-${vault}-1`)]));
      await writesReach(vault, 1, first);
      const second = await runCliAsync(
        args(vault, ["--checkpoint", join(dir, separate ? `cp-${vault}-2` : `cp-${vault}-1`)]),
        { cwd: dir },
      );
      expect(first.exited).toBe(false); // the refusal came while the first run was writing
      bed.emulator.setThrottling(false, vault);
      const done = await first.done;
      expect(done.code, done.stderr).toBe(0);

      expect(second.code).toBe(2);
      const lines = second.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^error: another run holds the target .*${vault} \\(kv-secrets-test, shard 1/1\\): pid ${first.child.pid} on \\S+, started \\d{4}-.*\\. Wait for it to finish, or stop it \\(kill ${first.child.pid}\\)`,
        ),
      );
      expect(second.stderr).not.toMatch(/\n\s+at /);
      if (separate)
        expect(existsSync(join(dir, `cp-${vault}-2`)) ? readdirSync(join(dir, `cp-${vault}-2`)) : []).toEqual(
          [],
        );
      await everyOnce(vault);
      expect(bed.emulator.stats(vault).secretVersionsCreated).toBe(N);
    }, 120_000);
  }

  it("two different shards of one run proceed side by side", async () => {
    bed.emulator.setThrottling(SLOW, "shards");
    const one = start(args("shards", ["--shard", "1/2", "--checkpoint", join(dir, "cp-shards")]));
    await writesReach("shards", 1, one);
    const two = start(args("shards", ["--shard", "2/2", "--checkpoint", join(dir, "cp-shards")]));
    // both hold their lock at once: the second shard writes while the first is still running
    const before = bed.emulator.stats("shards").secretVersionsCreated;
    await writesReach("shards", before + 2, two);
    expect(one.exited).toBe(false);
    bed.emulator.setThrottling(false, "shards");
    const [a, b] = await Promise.all([one.done, two.done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    await everyOnce("shards");
  }, 120_000);

  it("the lock of a SIGKILLed run is taken over, and the takeover is said", async () => {
    bed.emulator.setThrottling(SLOW, "stale");
    const checkpoint = join(dir, "cp-stale");
    const killed = start(args("stale", ["--checkpoint", checkpoint]));
    await writesReach("stale", 3, killed);
    killed.child.kill("SIGKILL");
    await killed.done;
    expect(readdirSync(join(STATE_DIR, "locks")).filter((f) => f.endsWith(".lock")).length).toBeGreaterThan(
      0,
    );
    bed.emulator.setThrottling(false, "stale");
    const resumed = await runCliAsync(args("stale", ["--checkpoint", checkpoint, "--resume"]), { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      new RegExp(`took over the lock of a run that is gone \\(pid ${killed.child.pid} on `),
    );
    await everyOnce("stale");
  }, 120_000);
});

describe("stopping a run", () => {
  it("SIGTERM mid-run: items in flight complete and are journaled, none failed; --resume finishes", async () => {
    bed.emulator.setThrottling(SLOW, "sigterm");
    const checkpoint = join(dir, "cp-sigterm");
    const run = start(args("sigterm", ["--checkpoint", checkpoint, "--max-in-flight", "8"]));
    await writesReach("sigterm", 5, run);
    run.child.kill("SIGTERM");
    const stopped = await run.done;
    bed.emulator.setThrottling(false, "sigterm");
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/interrupted; run the same command with --resume/);
    expect(stopped.stderr).not.toMatch(/failed /);
    expect(stopped.stdout).toMatch(/total\s+\d+\s+\d+\s+0\s+0\s+0\b/); // updated 0, skipped 0, failed 0
    const written = bed.emulator.stats("sigterm").secretVersionsCreated;
    expect(written).toBeLessThan(N);
    // every write that happened is in the journal: in flight at the stop, then finished
    expect(journalEntries(checkpoint)).toBe(written);

    const resumed = await runCliAsync(args("sigterm", ["--checkpoint", checkpoint, "--resume"]), {
      cwd: dir,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    await everyOnce("sigterm");
  }, 120_000);

  it("a second SIGTERM quits at once (exit 130), releasing the lock; --resume finishes without duplicates", async () => {
    bed.emulator.setThrottling(SLOW, "twice");
    const checkpoint = join(dir, "cp-twice");
    const run = start(args("twice", ["--checkpoint", checkpoint]));
    await writesReach("twice", 3, run);
    run.child.kill("SIGTERM");
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (run.exited || /no new items/.test(run.stderrSoFar())) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    run.child.kill("SIGTERM");
    const quit = await run.done;
    bed.emulator.setThrottling(false, "twice");
    expect(quit.code).toBe(130);
    expect(readdirSync(join(STATE_DIR, "locks")).filter((f) => f.endsWith(".lock"))).toEqual([]);
    const resumed = await runCliAsync(args("twice", ["--checkpoint", checkpoint, "--resume"]), { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toMatch(/took over the lock/);
    await everyOnce("twice");
  }, 120_000);

  it("a target that dies mid-run stops it within the bound with one line; --resume after it is back completes it", async () => {
    bed.emulator.setThrottling(SLOW, "dies");
    const checkpoint = join(dir, "cp-dies");
    const run = start(
      args("dies", [
        "--checkpoint",
        checkpoint,
        "--unreachable-after",
        "2",
        "--retry-delay",
        "100",
        "--report",
        join(dir, "dies-report.json"),
      ]),
    );
    await writesReach("dies", 5, run);
    bed.emulator.setFaults({ resetBeforeRate: 1 }, "dies");
    const stopped = await run.done;
    bed.emulator.setFaults(false, "dies");
    bed.emulator.setThrottling(false, "dies");
    expect(stopped.code).toBe(1);
    const errors = stopped.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: target dies unreachable since \d{4}-\d\d-\d\dT[\d:]+Z \(https:\/\/127\.0\.0\.1:\d+: network error .*\)\. nothing lost; run the same command with --resume/,
    );
    expect(stopped.stderr).not.toMatch(/failed /);
    expect(stopped.stderr).not.toMatch(/\n\s+at /);
    expect(stopped.stdout).toBe("");
    // the report keeps what happened: the items cut off are not-finished, none failed
    const report = JSON.parse(readFileSync(join(dir, "dies-report.json"), "utf8")) as {
      items: { status: string }[];
    };
    const statuses = new Set(report.items.map((i) => i.status));
    expect(report.items.some((i) => i.status === "not-finished")).toBe(true);
    expect([...statuses].sort()).toEqual(["created", "not-finished"]);

    const resumed = await runCliAsync(args("dies", ["--checkpoint", checkpoint, "--resume"]), { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    await everyOnce("dies");
  }, 120_000);

  it("a target emptied since the run (restored, re-created) is refilled on --resume: the target is the truth, not the journal", async () => {
    const checkpoint = join(dir, "cp-emptied");
    const first = await runCliAsync(args("emptied", ["--checkpoint", checkpoint]), { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    await everyOnce("emptied");
    // the target loses everything; the journal still says every item is done
    const client = bed.client("emptied");
    for await (const p of client.listPropertiesOfSecrets()) {
      await (await client.beginDeleteSecret(p.name)).pollUntilDone();
      await client.purgeDeletedSecret(p.name);
    }
    expect((await versionCounts(client)).size).toBe(0);
    const resumed = await runCliAsync(args("emptied", ["--checkpoint", checkpoint, "--resume"]), {
      cwd: dir,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(`${resumed.stdout}${resumed.stderr}`).toMatch(
      new RegExp(
        `${N} items the checkpoint called finished were missing from the target and were copied again`,
      ),
    );
    await everyOnce("emptied");
  }, 120_000);
});
