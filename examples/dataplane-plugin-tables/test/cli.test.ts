import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTableAccounts, type TableAccounts } from "./helpers/accounts.js";
import { type Estate, seedEstate } from "./helpers/estate.js";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(
  dirname(createRequire(import.meta.url).resolve("@dataplane/cli/package.json")),
  "dist/bin.js",
);

let accounts: TableAccounts;
let estate: Estate;
let work: string;

/** Runs `dataplane <args>` in the work folder, keys in the environment as the README shows. */
function dataplane(...args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SRCACCOUNT_KEY: accounts.key("srcaccount"),
    DSTACCOUNT_KEY: accounts.key("dstaccount"),
  };
  delete env.DATAPLANE_PLUGINS;
  delete env.DATAPLANE_CONFIG;
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: work,
    env,
    encoding: "utf8",
    timeout: 180_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  for (const secret of [...estate.canaries, accounts.key("srcaccount"), accounts.key("dstaccount")]) {
    expect(output).not.toContain(secret);
  }
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  accounts = await startTableAccounts(["srcaccount", "dstaccount"]);
  estate = await seedEstate(accounts, "srcaccount", { orders: 6, large: 10 });
  work = mkdtempSync(join(tmpdir(), "dp-tables-cli-"));
  // As if installed with `npm install dataplane-plugin-tables` in this project.
  mkdirSync(join(work, "node_modules"));
  symlinkSync(PACKAGE_DIR, join(work, "node_modules", "dataplane-plugin-tables"), "dir");
  writeFileSync(join(work, "account.json"), JSON.stringify(accounts.resource("srcaccount"), null, 2));
  writeFileSync(join(work, "target.json"), JSON.stringify(accounts.resource("dstaccount"), null, 2));
  writeFileSync(
    join(work, "dataplane.config.json"),
    JSON.stringify({
      storage: {
        srcaccount: { accountKey: { env: "SRCACCOUNT_KEY" } },
        dstaccount: { accountKey: { env: "DSTACCOUNT_KEY" } },
      },
    }),
  );
});
afterAll(async () => {
  await accounts?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("with the dataplane CLI, as the README shows", () => {
  it("dataplane plugins --plugin dataplane-plugin-tables lists it with its kinds", () => {
    const run = dataplane("plugins", "--plugin", "dataplane-plugin-tables");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /tables\s+0\.1\.0\s+explicit \(dataplane-plugin-tables\)\s+Microsoft\.Storage\/storageAccounts\s+table, table-entity/,
    );
  });

  it("dataplane discover account.json --plugin dataplane-plugin-tables counts tables and entities", () => {
    const run = dataplane("discover", "account.json", "--plugin", "dataplane-plugin-tables");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/tables\s+table\s+4/);
    expect(run.stdout).toMatch(/tables\s+table-entity\s+20/);
  });

  it("takes the plugin's options as flags (--tables, --include-entities)", () => {
    const lines = dataplane(
      "discover",
      "account.json",
      "--plugin",
      "dataplane-plugin-tables",
      "--tables",
      "orders",
      "--json",
    )
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.filter((l) => l.type === "item")).toHaveLength(1 + 6);

    const generate = dataplane(
      "generate",
      "account.json",
      "--out",
      "tf",
      "--include-entities",
      "--plugin",
      "dataplane-plugin-tables",
    );
    expect(generate.code).toBe(0);
    expect(readdirSync(join(work, "tf")).sort()).toEqual([
      "entities.tf",
      "tables.tf",
      "terraform.tfvars.example",
      "variables.tf",
      "versions.tf",
    ]);
    expect(generate.stdout).toContain("orders_2026-01_order-000_apitoken");
  });

  it("dataplane replicate copies everything, and a second run skips everything", () => {
    const args = [
      "replicate",
      "--source",
      "account.json",
      "--target",
      "target.json",
      "--plugin",
      "dataplane-plugin-tables",
    ];
    const first = dataplane(...args, "--json");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout.trim().split("\n").at(-1)!) as { type: string };
    expect(JSON.stringify(summary)).toContain('"created":24');
    const second = dataplane(...args, "--json");
    expect(second.code).toBe(0);
    expect(second.stdout.trim().split("\n").at(-1)).toContain('"skipped":24');
  });
});
