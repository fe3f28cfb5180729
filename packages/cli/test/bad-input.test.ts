import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, runCli, runCliAsync, tempDir, WORKSPACE } from "./helpers/packages.js";
import { SUBSCRIPTION } from "./helpers/vaults.js";

// Bad input gets one clear line naming the cause and the fix, exit code 2, no stack trace.

let dir: string;
const alpha = join(FIXTURES, "plugins", "alpha");

function expectOneLine(run: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(run.code).toBe(2);
  const lines = run.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  dir = tempDir("dp-bad-input-");
  writeFileSync(join(dir, "not-json.json"), "{ this is not json");
  writeFileSync(join(dir, "no-type.json"), JSON.stringify({ id: "/subscriptions/s/x", name: "x" }));
  writeFileSync(join(dir, "no-id.json"), JSON.stringify({ type: "Example.Alpha/things", name: "x" }));
  writeFileSync(
    join(dir, "sql.json"),
    JSON.stringify({
      id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/db",
      type: "Microsoft.Sql/servers",
      name: "db",
    }),
  );
  writeFileSync(
    join(dir, "alpha.json"),
    JSON.stringify({
      id: "/subscriptions/s/resourceGroups/g/providers/Example.Alpha/things/a",
      type: "Example.Alpha/things",
      name: "a",
      properties: { things: ["x"] },
    }),
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "empty-project", private: true }));
});

describe("bad input", () => {
  it("a resource document that is not JSON", () => {
    expectOneLine(
      runCli(["discover", "not-json.json", "--plugin", alpha], { cwd: dir }),
      /^error: resource document not-json.json is not valid JSON: .*Give an ARM resource document/,
    );
  });

  it("a resource document without type or id", () => {
    expectOneLine(
      runCli(["discover", "no-type.json", "--plugin", alpha], { cwd: dir }),
      /^error: resource document no-type.json has no valid "type"/,
    );
    expectOneLine(
      runCli(["discover", "no-id.json", "--plugin", alpha], { cwd: dir }),
      /^error: resource document no-id.json has no "id"/,
    );
  });

  it("a type no plugin serves names what is installed and how to install one", () => {
    expectOneLine(
      runCli(["discover", "sql.json", "--plugin", alpha], { cwd: dir }),
      /^error: no plugin installed for type Microsoft.Sql\/servers \(installed: alpha \(Example.Alpha\/things\)\)\. Install a plugin that serves it \(npm install/,
    );
    expectOneLine(
      runCli(["replicate", "--source", "sql.json", "--target", "sql.json"], { cwd: dir }),
      /no plugin installed for type Microsoft.Sql\/servers \(installed: none\)/,
    );
  });

  it("a missing file, and --debug shows the stack", () => {
    expectOneLine(
      runCli(["discover", "nowhere.json", "--plugin", alpha], { cwd: dir }),
      /^error: cannot read resource document nowhere.json: ENOENT/,
    );
    const debug = runCli(["discover", "nowhere.json", "--plugin", alpha, "--debug"], { cwd: dir });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it("bad configuration: unknown credential type, missing environment variable, unreadable or invalid config, --shard 5/4", () => {
    const base = ["replicate", "--source", "alpha.json", "--target", "alpha.json", "--plugin", alpha];
    expectOneLine(
      runCli([...base, "--target-credential", "magic"], { cwd: dir }),
      /unknown credential type "magic" for the target\. Use one of: default, azure-cli/,
    );
    writeFileSync(
      join(dir, "env.config.json"),
      JSON.stringify({
        sides: { source: { credential: { type: "static-token", token: { env: "DP_TEST_UNSET_TOKEN" } } } },
      }),
    );
    expectOneLine(
      runCli([...base, "--config", "env.config.json"], { cwd: dir }),
      /environment variable DP_TEST_UNSET_TOKEN \(named in sides.source.credential.token\) is not set/,
    );
    expectOneLine(
      runCli([...base, "--config", "missing.config.json"], { cwd: dir }),
      /cannot read config file .*missing.config.json/,
    );
    writeFileSync(join(dir, "broken.config.json"), "{ nope");
    expectOneLine(
      runCli([...base, "--config", "broken.config.json"], { cwd: dir }),
      /config file .*broken.config.json is not valid JSON/,
    );
    writeFileSync(
      join(dir, "invalid.config.json"),
      JSON.stringify({ sides: { source: { credential: { type: "telepathy" } } } }),
    );
    expectOneLine(
      runCli([...base, "--config", "invalid.config.json"], { cwd: dir }),
      /config file .*invalid.config.json is invalid: sides.source.credential.type: /,
    );
    expectOneLine(
      runCli([...base, "--shard", "5/4"], { cwd: dir }),
      /invalid --shard "5\/4"\. Use --shard k\/n with 1 ≤ k ≤ n/,
    );
  });

  it("an unknown option or command is exit code 2", () => {
    const run = runCli(["replicate", "--no-such-flag"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it("--help works on every command", () => {
    for (const command of [
      [],
      ["plugins"],
      ["discover"],
      ["generate"],
      ["replicate"],
      ["permissions"],
      ["emulators", "start"],
    ]) {
      const run = runCli([...command, "--help"], { cwd: dir });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: dataplane/);
    }
  });
});

// Issue 16: hostile endpoints, unwritable outputs, odd input shapes and a target that can be
// read but not written. One row per case: exit code 2, one line with the cause and the fix, no
// stack trace, no journal where nothing started, the target unchanged.

const KEYVAULT = join(WORKSPACE, "packages", "plugin-keyvault");
const KV_SECRETS = join(FIXTURES, "plugins", "kv-secrets");

interface Row {
  readonly name: string;
  readonly args: () => string[];
  /** The cause and the fix, in the one line. */
  readonly line: RegExp;
  /** Checkpoint folder that must hold no journal afterwards. */
  readonly checkpoint?: string;
  /** Lines of the run's own header allowed besides the one error line (a run that started). */
  readonly header?: RegExp;
}

describe("hostile endpoints and broken paths (issue 16)", () => {
  let kv: KeyVaultEmulator;
  let work: string;
  const servers: Server[] = [];
  let closedPort: number;
  let plainPort: number;
  let htmlPort: number;

  const listen = (server: Server): Promise<number> =>
    new Promise((resolve) => {
      servers.push(server);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
    });

  const vaultDoc = (file: string, name: string, vaultUri: string) =>
    writeFileSync(
      join(work, file),
      JSON.stringify({
        id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${name}`,
        type: "Microsoft.KeyVault/vaults",
        name,
        properties: { vaultUri },
      }),
    );

  beforeAll(async () => {
    work = tempDir("dp-bad-endpoints-");
    const tlsDir = join(work, "tls");
    kv = await startKeyVaultEmulator({ vaults: ["good", "readonly"], tlsDir });
    const side = { credential: { type: "static-token", token: "t" }, local: true, caFile: "tls/ca.pem" };
    writeFileSync(
      join(work, "dataplane.config.json"),
      JSON.stringify({ sides: { source: side, target: side } }),
    );
    const noCa = { credential: { type: "static-token", token: "t" }, local: true };
    writeFileSync(join(work, "noca.config.json"), JSON.stringify({ sides: { source: noCa, target: noCa } }));
    vaultDoc("good.json", "good", kv.vaultUri("good"));
    vaultDoc("readonly.json", "readonly", kv.vaultUri("readonly"));
    kv.seedSecret("good", "alpha", "one");
    kv.seedSecret("good", "beta", "two");
    // a port nobody listens on
    const probe = createNetServer();
    closedPort = await new Promise((resolve) =>
      probe.listen(0, "127.0.0.1", () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    const html = (_req: unknown, res: import("node:http").ServerResponse) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<!DOCTYPE HTML><html><body>Not Found</body></html>");
    };
    plainPort = await listen(createHttpServer(html));
    htmlPort = await listen(
      createHttpsServer(
        {
          cert: readFileSync(join(tlsDir, "server.pem")),
          key: readFileSync(join(tlsDir, "server-key.pem")),
        },
        html,
      ) as unknown as Server,
    );
    vaultDoc("closed.json", "closed", `https://127.0.0.1:${closedPort}/`);
    vaultDoc("nowhere.json", "nowhere", "https://no-such-vault.invalid/");
    vaultDoc("plain.json", "plain", `https://127.0.0.1:${plainPort}/`);
    vaultDoc("http.json", "http", `http://127.0.0.1:${plainPort}/`);
    vaultDoc("html.json", "html", `https://127.0.0.1:${htmlPort}/`);
    writeFileSync(
      join(work, "account.json"),
      JSON.stringify({
        id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct`,
        type: "Microsoft.Storage/storageAccounts",
        name: "acct",
        kind: "StorageV2",
        properties: {
          primaryEndpoints: {
            blob: `http://127.0.0.1:${closedPort}/acct/`,
            file: `http://127.0.0.1:${closedPort}/acct/`,
          },
        },
      }),
    );
    writeFileSync(
      join(work, "account2.json"),
      readFileSync(join(work, "account.json"), "utf8").replace(
        /storageAccounts\/acct"/,
        'storageAccounts/acct2"',
      ),
    );
    writeFileSync(join(work, "a-file"), "not a folder");
    writeFileSync(
      join(work, "alpha.json"),
      JSON.stringify({
        id: "/subscriptions/s/resourceGroups/g/providers/Example.Alpha/things/a",
        type: "Example.Alpha/things",
        name: "a",
        properties: { things: ["x"] },
      }),
    );
    writeFileSync(
      join(work, "bom.json"),
      `\uFEFF${JSON.stringify({
        id: "/subscriptions/s/resourceGroups/g/providers/Example.Alpha/things/b",
        type: "Example.Alpha/things",
        name: "b",
        properties: { things: ["y"] },
      })}`,
    );
    writeFileSync(
      join(work, "no-arm-id.json"),
      JSON.stringify({ id: "my-vault", type: "Example.Alpha/things" }),
    );
    writeFileSync(
      join(work, "all.json"),
      JSON.stringify([JSON.parse(readFileSync(join(work, "alpha.json"), "utf8"))]),
    );
    mkdirSync(join(work, "state"), { recursive: true });
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) server.close();
    await kv?.stop();
  });

  const replicateKv = (source: string, target: string, checkpoint: string) => [
    "replicate",
    "--source",
    source,
    "--target",
    target,
    "--plugin",
    KEYVAULT,
    "--config",
    "dataplane.config.json",
    "--no-progress",
    "--checkpoint",
    checkpoint,
  ];
  const alphaArgs = (...rest: string[]) => [...rest, "--plugin", join(FIXTURES, "plugins", "alpha")];

  const rows: Row[] = [
    {
      name: "16.1 a closed port",
      args: () => replicateKv("good.json", "closed.json", "cp-closed"),
      checkpoint: "cp-closed",
      line: /^error: the target closed cannot be reached at https:\/\/127\.0\.0\.1:\d+\/: nothing listens there \(connection refused\)\. Start the service or emulator, or correct the host and port/,
    },
    {
      name: "16.1 a closed port on the source side",
      args: () => replicateKv("closed.json", "good.json", "cp-closed-source"),
      checkpoint: "cp-closed-source",
      line: /^error: the source closed cannot be reached at .*: nothing listens there/,
    },
    {
      name: "16.1 a host that does not resolve",
      args: () => replicateKv("good.json", "nowhere.json", "cp-nowhere"),
      checkpoint: "cp-nowhere",
      line: /^error: the target nowhere cannot be reached at https:\/\/no-such-vault\.invalid\/: the host name does not resolve\. Correct the host in the resource document/,
    },
    {
      name: "16.1 https against a plain-HTTP server",
      args: () => replicateKv("good.json", "plain.json", "cp-plain"),
      checkpoint: "cp-plain",
      line: /^error: the target plain cannot be reached at https:.*: the server speaks plain HTTP, not HTTPS\. Point the resource document at the service's https:\/\/ endpoint/,
    },
    {
      name: "16.1 http where the SDK needs https",
      args: () => replicateKv("good.json", "http.json", "cp-http"),
      checkpoint: "cp-http",
      line: /^error: the target http cannot be reached at http:.*: it is plain http:\/\/, and the Key Vault's SDK sends credentials only over https\. Use the https:\/\/ endpoint/,
    },
    {
      name: "16.1 a server that is not Azure, answering 404 with HTML",
      args: () => replicateKv("good.json", "html.json", "cp-html"),
      checkpoint: "cp-html",
      line: /^error: the target html cannot be reached at https:.*: the server there does not answer like an Azure Key Vault \(HTTP 404, text\/html\)\. Check the endpoint URL in the resource document/,
    },
    {
      name: "16.1 a certificate the side does not trust",
      args: () =>
        replicateKv("good.json", "readonly.json", "cp-noca").map((a) =>
          a === "dataplane.config.json" ? "noca.config.json" : a,
        ),
      checkpoint: "cp-noca",
      line: /^error: the source good cannot be reached at https:.*: its TLS certificate is not trusted \([A-Z_]+\)\. Give the CA that signed it with caFile under sides\.source in dataplane\.config\.json/,
    },
    {
      name: "16.1 a storage account whose blob endpoint is a closed port",
      args: () => [
        "replicate",
        "--source",
        "account.json",
        "--target",
        "account2.json",
        "--plugin",
        join(WORKSPACE, "packages", "plugin-storage"),
        "--no-progress",
        "--checkpoint",
        "cp-account",
      ],
      checkpoint: "cp-account",
      line: /^error: the source acct cannot be reached at http:\/\/127\.0\.0\.1:\d+\/acct\/: nothing listens there \(connection refused\)/,
    },
    {
      name: "16.1 discover, too, checks the endpoint first",
      args: () => ["discover", "closed.json", "--plugin", KEYVAULT, "--config", "dataplane.config.json"],
      line: /^error: the source closed cannot be reached at https:.*: nothing listens there \(connection refused\)/,
    },
    {
      name: "16.5 --report under a regular file",
      args: () =>
        alphaArgs(
          "replicate",
          "--source",
          "alpha.json",
          "--target",
          "bom.json",
          "--report",
          "a-file/report.json",
          "--checkpoint",
          "cp-report",
        ),
      checkpoint: "cp-report",
      line: /^error: --report a-file\/report\.json: .*a-file is a file, not a folder\. Give a path whose folders are folders/,
    },
    {
      name: "16.5 --checkpoint under a regular file",
      args: () =>
        alphaArgs("replicate", "--source", "alpha.json", "--target", "bom.json", "--checkpoint", "a-file/cp"),
      line: /^error: --checkpoint a-file\/cp: .*a-file is a file, not a folder\. Give a path whose folders are folders/,
    },
    {
      name: "16.5 --checkpoint that is a file",
      args: () =>
        alphaArgs("replicate", "--source", "alpha.json", "--target", "bom.json", "--checkpoint", "a-file"),
      line: /^error: --checkpoint a-file: is a file, not a folder\. Give a folder path, or move the file away/,
    },
    {
      name: "16.5 --checkpoint in a folder that cannot be written",
      args: () =>
        alphaArgs(
          "replicate",
          "--source",
          "alpha.json",
          "--target",
          "bom.json",
          "--checkpoint",
          "/proc/dataplane-cp",
        ),
      line: /^error: --checkpoint \/proc\/dataplane-cp: cannot write in \/proc \(.*\)\. Choose a folder you can write, or fix its permissions/,
    },
    {
      name: "16.5 discover --out under a regular file",
      args: () => alphaArgs("discover", "alpha.json", "--out", "a-file/items.jsonl"),
      line: /^error: --out a-file\/items\.jsonl: .*a-file is a file, not a folder/,
    },
    {
      name: "16.5 generate --out under a regular file",
      args: () => alphaArgs("generate", "alpha.json", "--out", "a-file/tf"),
      line: /^error: --out a-file\/tf: .*a-file is a file, not a folder/,
    },
    {
      name: "16.6 --source/--target mixed with --resources",
      args: () =>
        alphaArgs(
          "replicate",
          "--source",
          "alpha.json",
          "--target",
          "bom.json",
          "--resources",
          "all.json",
          "--checkpoint",
          "cp-mixed",
        ),
      checkpoint: "cp-mixed",
      line: /^error: --source\/--target cannot be combined with --resources\/--targets\/--mapping\/--map\. Replicate one pair with --source and --target, or many with --resources/,
    },
    {
      name: "16.6 a document without a name whose id is not an ARM id",
      args: () =>
        alphaArgs(
          "replicate",
          "--source",
          "alpha.json",
          "--target",
          "no-arm-id.json",
          "--checkpoint",
          "cp-no-arm",
        ),
      checkpoint: "cp-no-arm",
      line: /^error: resource document no-arm-id\.json has no "name", and its "id" "my-vault" is not an ARM resource id\. Give an ARM resource document/,
    },
    {
      name: "16.7 a target that can be read but not written",
      args: () => [
        ...replicateKv("good.json", "readonly.json", "cp-readonly").map((a) =>
          a === KEYVAULT ? KV_SECRETS : a,
        ),
      ],
      checkpoint: "cp-readonly",
      header: /^kv-secrets-test: \S+ → /,
      line: /^error: the target readonly \(\/subscriptions\/.*\/vaults\/readonly\) denied access \(403 Forbidden\): it needs the role "Key Vault Secrets Officer" for kv-secrets-test\. Grant it with: az role assignment create --assignee <principal-id> --role "Key Vault Secrets Officer" --scope "\/subscriptions\/.*\/vaults\/readonly"/,
    },
  ];

  for (const row of rows) {
    it(row.name, async () => {
      kv.setFaults(
        { failures: [{ method: "PUT", path: "/secrets/*", status: 403, innerCode: "ForbiddenByRbac" }] },
        "readonly",
      );
      kv.resetStats();
      const run = await runCliAsync(row.args(), {
        cwd: work,
        env: { DATAPLANE_STATE_DIR: join(work, "state") },
      });
      expect(run.code, run.stderr).toBe(2);
      const lines = run.stderr
        .trim()
        .split("\n")
        .filter((l) => !row.header?.test(l));
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(row.line);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      if (row.checkpoint) {
        const folder = join(work, row.checkpoint);
        expect(existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".jsonl")) : []).toEqual([]);
      }
      // the target is unchanged: nothing was written to either vault
      expect(kv.stats("good").secretVersionsCreated).toBe(0);
      expect(kv.stats("readonly").secretVersionsCreated).toBe(0);
      // the lock of a run that stopped is released
      const locks = join(work, "state", "locks");
      expect(existsSync(locks) ? readdirSync(locks) : []).toEqual([]);
    }, 60_000);
  }

  it("16.6 a resource document with a UTF-8 byte order mark is read", async () => {
    const run = await runCliAsync(alphaArgs("discover", "bom.json"), { cwd: work });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/thing\s+1/);
  });
});
