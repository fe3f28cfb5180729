import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, runCli, tempDir } from "./helpers/packages.js";

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
