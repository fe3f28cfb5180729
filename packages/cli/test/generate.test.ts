// `dataplane generate` writes generated code exactly as the plugin generated it (no pattern
// rewriting: `password = var.x` stays a reference) and refuses, whole, output that carries a
// secret value the run has seen. Key Vault and Storage generate through the CLI are tested in
// their plugins (test/generate-cli.test.ts, test/cli.test.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, runCliAsync, tempDir } from "./helpers/packages.js";

const LEAKY = join(FIXTURES, "plugins", "leaky");
const KEY = "CANARYgenerateKey0123456789abcdefAAAA==";
let dir: string;

beforeAll(() => {
  dir = tempDir("dp-generate-");
  mkdirSync(join(dir, "resources"), { recursive: true });
  writeFileSync(
    join(dir, "resources", "account.json"),
    JSON.stringify({
      id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/leakacct",
      type: "Microsoft.Storage/storageAccounts",
      name: "leakacct",
      location: "eastus",
      properties: { primaryEndpoints: { blob: "https://127.0.0.1:1/leakacct/" } },
    }),
  );
  writeFileSync(
    join(dir, "leaky.config.json"),
    JSON.stringify({ storage: { leakacct: { accountKey: KEY } } }),
  );
  writeFileSync(join(dir, "clean.config.json"), JSON.stringify({}));
});

function generate(config: string, out: string) {
  return runCliAsync(
    [
      "generate",
      join(dir, "resources", "account.json"),
      "--plugin",
      LEAKY,
      "--config",
      join(dir, config),
      "--out",
      join(dir, out),
    ],
    { cwd: dir },
  );
}

describe("dataplane generate", () => {
  it("refuses output that holds a registered secret value, and writes nothing", async () => {
    const run = await generate("leaky.config.json", "leaked");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /plugin leaky-test put a secret value into (leak\.txt|ok\.tf); nothing was written/,
    );
    expect(existsSync(join(dir, "leaked"))).toBe(false);
    expect(`${run.stdout}${run.stderr}`).not.toContain(KEY);
  });

  it("writes code that only names a password exactly as generated, never rewritten by patterns", async () => {
    const run = await generate("clean.config.json", "clean");
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(dir, "clean", "ok.tf"), "utf8")).toBe(
      'resource "x" "y" {\n  password = var.certificate_x_password\n}\n',
    );
  });
});
