import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, FIXTURES, runCliAsync, tempDir } from "./helpers/packages.js";
import { startVaultBed, type VaultBed, versionCounts } from "./helpers/vaults.js";

// The engine's promises, shown through the CLI with a small test plugin over the Key Vault
// emulator (real SDK clients over real HTTPS): dry-run purity, SIGKILL + resume, shards,
// throttling storms, redaction, bad configuration.

const KV = join(FIXTURES, "plugins", "kv-secrets");
const N = 300;
const CANARY = "CANARY-7f3a9c";
let bed: VaultBed;
let dir: string;

function canary(i: number): string {
  return `${CANARY}-value-${i}-${"x".repeat(i % 7)}`;
}

beforeAll(async () => {
  dir = tempDir("dp-engine-emulated-");
  bed = await startVaultBed(dir, [
    "source",
    "dry",
    "killed",
    "sharded",
    "throttled",
    "throttled-ra",
    "chaos",
    "leaks",
    "badconfig",
    "torn",
  ]);
  for (let i = 0; i < N; i++) {
    bed.emulator.seedSecret("source", `secret-${String(i).padStart(3, "0")}`, canary(i), {
      contentType: "text/plain",
      tags: { index: String(i) },
    });
  }
}, 180_000);

afterAll(async () => {
  await bed?.emulator.stop();
});

function replicateArgs(target: string, extra: string[] = []): string[] {
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

function run(args: string[]) {
  return runCliAsync(args, { cwd: dir });
}

describe("engine over the Key Vault emulator", () => {
  it("dry run prints the plan and changes nothing on the target", async () => {
    await bed.client("dry").setSecret("secret-000", "different");
    const before = await versionCounts(bed.client("dry"));
    bed.emulator.resetStats("dry");
    const result = await run(replicateArgs("dry", ["--dry-run", "--verbose"]));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/secret\s+create\s+299/);
    expect(result.stdout).toMatch(/secret\s+conflict\s+1/);
    expect(result.stderr).toMatch(/plan create\s+secret secret\/secret-001/);
    const stats = bed.emulator.stats("dry");
    expect(stats.secretVersionsCreated).toBe(0);
    expect(stats.operations.SetSecret?.requests ?? 0).toBe(0);
    expect(await versionCounts(bed.client("dry"))).toEqual(before);
  });

  it("a run killed with SIGKILL at a random point, then --resume: every item exactly once, none written twice", async () => {
    const checkpoint = join(dir, "cp-killed");
    const killAfter = 40 + Math.floor(Math.random() * 200);
    const child = spawn(
      process.execPath,
      [CLI_BIN, ...replicateArgs("killed", ["--checkpoint", checkpoint, "--max-in-flight", "4"])],
      {
        cwd: dir,
        stdio: "ignore",
      },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (bed.emulator.stats("killed").secretVersionsCreated >= killAfter) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve();
        }
      }, 2);
      child.on("exit", () => {
        clearInterval(timer);
        reject(new Error("the run finished before it could be killed"));
      });
    });
    await new Promise((r) => child.on("exit", r));
    const writtenBeforeKill = bed.emulator.stats("killed").secretVersionsCreated;
    expect(writtenBeforeKill).toBeLessThan(N);
    const journals = readdirSync(checkpoint);
    expect(journals).toHaveLength(1);

    const resumed = await run(replicateArgs("killed", ["--checkpoint", checkpoint, "--resume"]));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming: \d+ items already finished/);
    const counts = await versionCounts(bed.client("killed"));
    expect(counts.size).toBe(N);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(bed.emulator.stats("killed").secretVersionsCreated).toBe(N);
    const journal = readFileSync(join(checkpoint, journals[0]!), "utf8");
    expect(journal).not.toContain(CANARY);
  }, 300_000);

  it("a journal that cannot be read is named, with the two ways on, exit 2, nothing written", async () => {
    const checkpoint = join(dir, "cp-torn");
    const first = await run(replicateArgs("torn", ["--checkpoint", checkpoint, "--max-in-flight", "8"]));
    expect(first.code).toBe(0);
    const journals = readdirSync(checkpoint);
    expect(journals).toHaveLength(1);
    const path = join(checkpoint, journals[0]!);
    writeFileSync(path, "\u0000\u0007 not a journal\n{{{\n");
    const written = bed.emulator.stats("torn").secretVersionsCreated;
    bed.client("torn").setSecret("secret-001", "changed in the target");
    await new Promise((r) => setTimeout(r, 50));
    const resumed = await run(replicateArgs("torn", ["--checkpoint", checkpoint, "--resume"]));
    expect(resumed.code).toBe(2);
    const lines = resumed.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toMatch(/cannot be read/);
    expect(lines[0]).toMatch(/without --resume/);
    expect(lines[0]).toMatch(/move the file away/);
    expect(lines[0]).not.toMatch(/undefined|at .*\.js/);
    expect(bed.emulator.stats("torn").secretVersionsCreated).toBe(written + 1);
    expect(readFileSync(path, "utf8")).toBe("\u0000\u0007 not a journal\n{{{\n");
  }, 120_000);

  it("four shards in parallel cover the set exactly once", async () => {
    const runs = [1, 2, 3, 4].map(
      (k) =>
        new Promise<{ code: number | null; report: string }>((resolve) => {
          const report = join(dir, `shard-${k}.json`);
          const child = spawn(
            process.execPath,
            [
              CLI_BIN,
              ...replicateArgs("sharded", [
                "--shard",
                `${k}/4`,
                "--report",
                report,
                "--checkpoint",
                join(dir, "cp-shards"),
              ]),
            ],
            {
              cwd: dir,
              stdio: "ignore",
            },
          );
          child.on("exit", (code) => resolve({ code, report }));
        }),
    );
    const results = await Promise.all(runs);
    const keys: string[] = [];
    for (const r of results) {
      expect(r.code).toBe(0);
      const report = JSON.parse(readFileSync(r.report, "utf8")) as {
        items: { key: string; status: string }[];
      };
      const created = report.items.filter((i) => i.status === "created").map((i) => i.key);
      expect(created.length).toBe(report.items.length);
      expect(created.length).toBeGreaterThan(N / 8);
      keys.push(...created);
    }
    expect(keys.length).toBe(N);
    expect(new Set(keys).size).toBe(N);
    const counts = await versionCounts(bed.client("sharded"));
    expect(counts.size).toBe(N);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 300_000);

  for (const retryAfter of [false, true]) {
    it(`a storm of 429s ${retryAfter ? "with" : "without"} Retry-After ends with zero failed items`, async () => {
      const vault = retryAfter ? "throttled-ra" : "throttled";
      // far below the service limits, so most requests are refused at first
      bed.emulator.setThrottling(
        { retryAfter, windowMs: 1000, limits: { secretCreate: 40, secretOther: 150 } },
        vault,
      );
      const report = join(dir, `${vault}.json`);
      const result = await run(
        replicateArgs(vault, ["--report", report, "--retry-delay", "200", "--max-retries", "12", "--debug"]),
      );
      bed.emulator.setThrottling(false, vault);
      expect(result.stderr).not.toMatch(/failed /);
      expect(result.code).toBe(0);
      const stats = bed.emulator.stats(vault);
      expect(stats.throttled).toBeGreaterThan(0);
      expect(result.stderr).toMatch(
        retryAfter ? /HTTP 429 \(Retry-After \d+ ms\)/ : /HTTP 429 without Retry-After/,
      );
      const parsed = JSON.parse(readFileSync(report, "utf8")) as { summary: { failed: number } };
      expect(parsed.summary.failed).toBe(0);
      expect(stats.secretVersionsCreated).toBe(N);
    }, 420_000);
  }

  it("throttling plus connections reset before and after processing: zero failed items, nothing written twice", async () => {
    bed.emulator.setThrottling(
      { retryAfter: false, windowMs: 1000, limits: { secretCreate: 60, secretOther: 200 } },
      "chaos",
    );
    bed.emulator.setFaults({ resetBeforeRate: 0.08, resetAfterRate: 0.08 }, "chaos");
    const result = await run(
      replicateArgs("chaos", ["--retry-delay", "200", "--max-retries", "15", "--debug"]),
    );
    bed.emulator.setFaults(false, "chaos");
    bed.emulator.setThrottling(false, "chaos");
    const stats = bed.emulator.stats("chaos");
    expect(stats.resets).toBeGreaterThan(10);
    expect(stats.throttled).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/network error ECONNRESET|socket hang up/);
    expect(result.stderr).not.toMatch(/ failed /);
    expect(result.code).toBe(0);
    const counts = await versionCounts(bed.client("chaos"));
    expect(counts.size).toBe(N);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(stats.secretVersionsCreated).toBe(N);
  }, 420_000);

  it("secret values, tokens, keys, SAS and connection strings never appear in output, logs, reports or journals", async () => {
    const report = join(dir, "leaks.json");
    const checkpoint = join(dir, "cp-leaks");
    bed.emulator.seedSecret("source", "zz-fail", `${CANARY}-failing-value`);
    const kv = await run(
      replicateArgs("leaks", [
        "--leak-test",
        "--debug",
        "--verbose",
        "--report",
        report,
        "--checkpoint",
        checkpoint,
      ]),
    );
    const kvJson = await run(
      replicateArgs("leaks", [
        "--leak-test",
        "--debug",
        "--json",
        "--checkpoint",
        join(dir, "cp-leaks-json"),
      ]),
    );

    // a storage account whose key, SAS and connection string are canaries, given to a plugin that tries to leak them
    const account = join(dir, "account.json");
    writeFileSync(
      account,
      JSON.stringify({
        id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/canaryacct",
        type: "Microsoft.Storage/storageAccounts",
        name: "canaryacct",
      }),
    );
    const target = join(dir, "account-target.json");
    writeFileSync(
      target,
      JSON.stringify({
        id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/othercct",
        type: "Microsoft.Storage/storageAccounts",
        name: "othercct",
      }),
    );
    const storageConfig = join(dir, "storage.config.json");
    writeFileSync(
      storageConfig,
      JSON.stringify({
        sides: {
          source: { credential: { type: "static-token", token: `${CANARY}-bearer-token` } },
          target: { credential: { type: "static-token", token: { env: "DP_CANARY_TOKEN" } } },
        },
        storage: {
          canaryacct: { accountKey: `${CANARY}AccountKeyAAAA==` },
          othercct: { connectionString: { env: "DP_CANARY_CONN" } },
        },
      }),
    );
    const leakyReport = join(dir, "leaky.json");
    const leaky = await runCliAsync(
      [
        "replicate",
        "--source",
        account,
        "--target",
        target,
        "--plugin",
        join(FIXTURES, "plugins", "leaky"),
        "--config",
        storageConfig,
        "--debug",
        "--verbose",
        "--report",
        leakyReport,
        "--checkpoint",
        checkpoint,
      ],
      {
        cwd: dir,
        env: {
          DP_CANARY_TOKEN: `${CANARY}-target-token`,
          DP_CANARY_CONN: `DefaultEndpointsProtocol=https;AccountName=othercct;AccountKey=${CANARY}OtherKey==;EndpointSuffix=core.windows.net`,
          DATAPLANE_STORAGE_CANARYACCT_SAS: `sv=2025-01-05&sp=r&se=2030-01-01&sig=${CANARY}Sig%3D`,
        },
      },
    );
    const leakyJson = await runCliAsync(
      [
        "discover",
        account,
        "--plugin",
        join(FIXTURES, "plugins", "leaky"),
        "--config",
        storageConfig,
        "--json",
      ],
      { cwd: dir, env: { DP_CANARY_TOKEN: "x" } },
    );

    expect(kv.code).toBe(1); // the plugin fails one item on purpose
    expect(leaky.code).toBe(1);
    expect(leakyJson.code).toBe(0);
    expect(kv.stderr).toContain("[REDACTED]");
    const everything = [
      kv.stdout,
      kv.stderr,
      kvJson.stdout,
      kvJson.stderr,
      leaky.stdout,
      leaky.stderr,
      leakyJson.stdout,
      leakyJson.stderr,
      readFileSync(report, "utf8"),
      readFileSync(leakyReport, "utf8"),
    ];
    for (const file of readdirSync(checkpoint)) everything.push(readFileSync(join(checkpoint, file), "utf8"));
    for (const text of everything) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain("emulator-token");
    }
    expect(existsSync(report)).toBe(true);
  }, 300_000);

  it("bad configuration gives one clear line, exit code 2, and writes nothing to the target", async () => {
    bed.emulator.resetStats("badconfig");
    writeFileSync(
      join(dir, "unknown-type.config.json"),
      JSON.stringify({ sides: { target: { credential: { type: "carrier-pigeon" } } } }),
    );
    const cases = [
      ["--config", join(dir, "unknown-type.config.json")],
      ["--config", join(dir, "does-not-exist.json")],
      ["--target-credential", "nope"],
      ["--shard", "5/4"],
      ["--max-in-flight", "0"],
    ];
    for (const extra of cases) {
      const args = replicateArgs("badconfig").filter(
        (a, i, all) =>
          !(a === "--config" && extra.includes("--config")) &&
          !(all[i - 1] === "--config" && extra.includes("--config")),
      );
      const result = await run([...args, ...extra]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
    const stats = bed.emulator.stats("badconfig");
    expect(stats.requests).toBe(0);
  });
});
