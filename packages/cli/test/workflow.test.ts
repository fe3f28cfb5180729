import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type StartedEmulators, startEmulators, writeEmulatorFiles } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCliAsync, tempDir, WORKSPACE } from "./helpers/packages.js";

// The CLI workflow with our real plugins over the emulators: `emulators start`, a 403 that names
// the side, the resource and the role, `permissions`, bulk runs, live progress bars on a terminal.

const KV = join(WORKSPACE, "packages/plugin-keyvault");
const STORAGE = join(WORKSPACE, "packages/plugin-storage");
let started: StartedEmulators;
let files: Awaited<ReturnType<typeof writeEmulatorFiles>>;
let dir: string;

beforeAll(async () => {
  dir = tempDir("dp-workflow-");
  started = await startEmulators({ seed: true });
  files = await writeEmulatorFiles(join(dir, "emulators"), started);
}, 120_000);

afterAll(async () => {
  await started?.stop();
});

function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("dataplane emulators start", () => {
  it("starts everything on loopback, writes resource documents and a config, and stops on Ctrl-C leaving nothing behind", async () => {
    const out = join(dir, "started");
    const child = spawn(process.execPath, [CLI_BIN, "emulators", "start", "--dir", out, "--seed"], {
      cwd: dir,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (stdout.includes("Press Ctrl-C")) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      child.once("exit", (code) => {
        clearInterval(timer);
        reject(new Error(`exited early (${code}): ${stderr}`));
      });
    });
    const all = JSON.parse(readFileSync(join(out, "resources", "all.json"), "utf8")) as {
      type: string;
      properties: { vaultUri?: string; primaryEndpoints?: { blob: string; file: string } };
    }[];
    expect(all.map((r) => r.type).sort()).toEqual([
      "Microsoft.KeyVault/vaults",
      "Microsoft.KeyVault/vaults",
      "Microsoft.Storage/storageAccounts",
      "Microsoft.Storage/storageAccounts",
    ]);
    const endpoints = all
      .flatMap((r) => [
        r.properties.vaultUri,
        r.properties.primaryEndpoints?.blob,
        r.properties.primaryEndpoints?.file,
      ])
      .filter((e): e is string => Boolean(e));
    for (const e of endpoints) {
      expect(new URL(e).hostname).toBe("127.0.0.1");
      expect(await listening(e)).toBe(true);
    }
    expect(existsSync(join(out, "ca.pem"))).toBe(true);
    expect(stdout).toMatch(/Key Vault\s+source-vault\s+https:\/\/127\.0\.0\.1:\d+\//);
    // the emulators answer a discovery through the config written
    const discover = await runCliAsync(
      [
        "discover",
        join(out, "resources", "source-vault.json"),
        "--config",
        join(out, "dataplane.config.json"),
        "--plugin",
        KV,
      ],
      { cwd: dir },
    );
    expect(discover.code).toBe(0);
    expect(discover.stdout).toMatch(/keyvault\s+secret\s+\d+/);

    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    expect(stderr).toContain("emulators stopped");
    for (const e of endpoints) expect(await listening(e)).toBe(false);
  }, 120_000);
});

describe("errors that name the cause and the fix", () => {
  it("a refused account key names the side, the account and the fix, and exits 2", async () => {
    const config = JSON.parse(readFileSync(files.config, "utf8")) as {
      storage: Record<string, { accountKey: string }>;
    };
    config.storage.srcaccount = {
      accountKey: Buffer.from("not the key of this account at all").toString("base64"),
    };
    const wrong = join(dir, "emulators", "wrong-key.config.json");
    writeFileSync(wrong, JSON.stringify(config));
    const run = await runCliAsync(
      ["discover", files.resources.sourceStorage, "--config", wrong, "--plugin", STORAGE],
      { cwd: dir },
    );
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    // The storage plugin's explanation: with an account key, a role would not help.
    expect(lines[0]).toMatch(/^error: the source storage account srcaccount refused its account key \(403 /);
    expect(lines[0]).toMatch(
      /Put a current key in storage\.srcaccount\.accountKey in dataplane\.config\.json \(az storage account keys list --account-name srcaccount\)/,
    );
  });

  it("dataplane permissions prints the roles per side and the commands that grant them", async () => {
    const run = await runCliAsync(
      [
        "permissions",
        "--source",
        files.resources.sourceVault,
        "--target",
        files.resources.targetVault,
        "--plugin",
        KV,
        "--target-assignee",
        "11111111-2222-3333-4444-555555555555",
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/source\s+Key Vault Secrets User/);
    expect(run.stdout).toMatch(/target\s+Key Vault Secrets Officer/);
    expect(run.stdout).toMatch(
      /az role assignment create --assignee 11111111-2222-3333-4444-555555555555 --role "Key Vault Secrets Officer" --scope "\/subscriptions\/.*\/vaults\/target-vault"/,
    );
    const json = JSON.parse(
      (
        await runCliAsync(
          ["permissions", "--source", files.resources.sourceVault, "--plugin", KV, "--json"],
          { cwd: dir },
        )
      ).stdout,
    ) as {
      permissions: { side: string }[];
    };
    expect(json.permissions.length).toBeGreaterThan(0);
    expect(json.permissions.every((p) => p.side === "source")).toBe(true);
  });
});

describe("bulk runs", () => {
  it("processes every resource with an installed plugin and lists the others as skipped, with the reason", async () => {
    const resources = JSON.parse(readFileSync(files.resources.all, "utf8")) as object[];
    const sql = (name: string) => ({
      id: `/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/${name}`,
      type: "Microsoft.Sql/servers",
      name,
    });
    const bulk = join(dir, "bulk.json");
    writeFileSync(bulk, JSON.stringify([...resources, sql("sql-a"), sql("sql-b")]));
    const mapping = join(dir, "mapping.json");
    writeFileSync(mapping, JSON.stringify({ "source-vault": "target-vault", "sql-a": "sql-b" }));
    const run = await runCliAsync(
      [
        "replicate",
        "--resources",
        bulk,
        "--mapping",
        mapping,
        "--config",
        files.config,
        "--plugin",
        KV,
        "--plugin",
        STORAGE,
        "--checkpoint",
        join(dir, "cp"),
        "--json",
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
      results: { plugin: string; targetResourceId: string }[];
      skippedResources: { id: string; reason: string }[];
    };
    expect(summary.results.map((r) => r.plugin)).toEqual(["keyvault"]);
    expect(summary.skippedResources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: expect.stringMatching(/servers\/sql-a$/),
          reason: "no plugin installed for type Microsoft.Sql/servers",
        }),
        expect.objectContaining({
          id: expect.stringMatching(/storageAccounts\/srcaccount$/),
          reason: "no target mapped",
        }),
      ]),
    );
  }, 120_000);
});

describe("progress", () => {
  it("shows live progress bars on a terminal", async () => {
    const command = [
      process.execPath,
      CLI_BIN,
      "replicate",
      "--source",
      files.resources.sourceStorage,
      "--target",
      files.resources.targetStorage,
      "--config",
      files.config,
      "--plugin",
      STORAGE,
      "--checkpoint",
      join(dir, "cp-tty"),
    ]
      .map((a) => `'${a}'`)
      .join(" ");
    // `script` runs the command on a pseudo-terminal, as a user's shell would (asynchronously:
    // the emulators live in this process)
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: dir });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        text += d;
      });
      child.once("error", reject);
      child.once("exit", () => resolve(text));
    });
    expect(output).toMatch(
      /storage \|[█░ ]+\| \d+\/\d+ items \| 0 failed \| [\d.]+ [KMG]?i?B \| [\d.]+ items\/s \| ETA/,
    );
    expect(output).toMatch(/total\s+\d+\s+\d+\s+0\s+\d+\s+0/);
  }, 120_000);
});
