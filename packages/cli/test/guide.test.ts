import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, WORKSPACE } from "./helpers/packages.js";

// docs/writing-a-plugin.md, followed as written: every ```bash block, in order, in one shell,
// from an empty folder, with the @dataplane packages packed to tarballs from this checkout (the
// guide's own tarball route). The only blocks not run are the ones the guide marks
// `<!-- guide-test: skip (why) -->` (registry installs, git clone, publishing); the test sets
// only what those would have: DATAPLANE_REPO (this checkout) and a free TABLE_PORT.

const GUIDE = join(WORKSPACE, "docs/writing-a-plugin.md");

interface Block {
  readonly index: number;
  readonly code: string;
  readonly skip?: string;
}

function bashBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```bash") continue;
    const end = lines.indexOf("```", i + 1);
    const marker = /^<!-- guide-test: skip \((.+)\) -->$/.exec(lines[i - 1] ?? "");
    blocks.push({
      index: blocks.length,
      code: lines.slice(i + 1, end).join("\n"),
      ...(marker ? { skip: marker[1] } : {}),
    });
    i = end;
  }
  return blocks;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function runScript(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { cwd, env });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    child.on("error", reject);
    // vitest and npm colour their output when they think a terminal reads it
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
    child.on("close", (code) => resolve({ code, output: output.replace(ansi, "") }));
  });
}

/** What one block printed. */
function outputOf(output: string, block: Block): string {
  const start = output.indexOf(`::guide-block ${block.index}::`);
  if (start < 0) return "";
  const next = output.indexOf("::guide-block ", start + 1);
  return output.slice(start, next < 0 ? undefined : next);
}

describe("docs/writing-a-plugin.md", () => {
  const blocks = bashBlocks(readFileSync(GUIDE, "utf8"));

  it("skips only what it says it skips", () => {
    expect(blocks.filter((b) => b.skip).map((b) => b.skip)).toEqual([
      "the test installs from tarballs, below",
      "the test runs in a built checkout and sets DATAPLANE_REPO to it",
      "the alternative to changesets, which the test runs",
      "publishes",
    ]);
  });

  it("runs as written from an empty folder: build, conformance, pack, install next to the CLI, every verb on Azurite", async () => {
    const dir = tempDir("dp-guide-");
    const run = blocks.filter((b) => !b.skip);
    const script = join(dir, "..", `${dir.split("/").pop()}-guide.sh`);
    writeFileSync(
      script,
      [
        "set -eo pipefail",
        // Azurite, started in the background by the guide, stops with the script whatever happens.
        "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
        ...run.map((b) => `echo "::guide-block ${b.index}::"\n${b.code}`),
        'echo "::guide-done::"',
      ].join("\n"),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATAPLANE_REPO: WORKSPACE,
      TABLE_PORT: String(await freePort()),
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      npm_config_loglevel: "error",
      NO_COLOR: "1",
    };
    delete env.DATAPLANE_PLUGINS;
    delete env.DATAPLANE_CONFIG;
    delete env.FORCE_COLOR;
    const { code, output } = await runScript(script, dir, env);
    if (code !== 0) {
      const failed = [...output.matchAll(/::guide-block (\d+)::/g)].pop()?.[1];
      expect.fail(
        `the guide's block ${failed} failed (exit ${code}):\n${blocks[Number(failed)]?.code}\n--- output ---\n${output.slice(-6000)}`,
      );
    }
    expect(output).toContain("::guide-done::");

    const plugin = join(dir, "dataplane-plugin-tables");
    const pkg = JSON.parse(readFileSync(join(plugin, "package.json"), "utf8")) as {
      version: string;
      peerDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    // The peer range is a semver range (never the tarball's file: path), the runtime dependencies
    // those of the example.
    expect(pkg.peerDependencies).toEqual({ "@dataplane/core": "^0.1.0" });
    expect(pkg.dependencies["@dataplane/azure"]).toBe("^0.1.0");
    const example = JSON.parse(
      readFileSync(join(WORKSPACE, "examples/dataplane-plugin-tables/package.json"), "utf8"),
    ) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(Object.keys(example.dependencies).sort());
    expect(example.peerDependencies).toEqual(pkg.peerDependencies);

    const byCode = (needle: string) => {
      const block = run.find((b) => b.code.includes(needle));
      expect(block, `a guide block running ${needle}`).toBeDefined();
      return outputOf(output, block!);
    };
    // section 9: the conformance kit, every check passing
    expect(byCode("npm run build && npm test")).toMatch(/Tests\s+8 passed \(8\)/);
    // the launcher example prints what its comments say
    expect(byCode('startAzurite({ services: ["table"], accounts')).toMatch(
      /http:\/\/127\.0\.0\.1:\d+\/srcaccount\nsrcaccount, dstaccount/,
    );
    // section 10: found next to the CLI
    expect(byCode("npx dataplane plugins")).toMatch(
      /tables\s+0\.1\.0\s+project \(dataplane-plugin-tables\)\s+Microsoft\.Storage\/storageAccounts\s+table, table-entity/,
    );
    // every verb: the first replication copies 1 table and 2 entities, the second writes nothing
    const verbs = byCode("npx dataplane discover source.json --verbose");
    expect(verbs).toMatch(/table\/orders\/2026\/1/);
    expect(verbs).toMatch(/^table-entity\s+2\s+2\s+0\s+0\s+0\s+0\s+0$/m);
    expect(verbs).toMatch(/^table-entity\s+2\s+0\s+0\s+2\s+0\s+0\s+0$/m);
    expect(output).not.toMatch(/tok-9f2c1e7a|tok-4b8d03c5|c291cmNlLWFjY291bnQta2V5/);
    const entities = readFileSync(join(dir, "try/terraform/entities.tf"), "utf8");
    expect(entities).toContain("var.orders_2026_1_apitoken");
    expect(entities).not.toContain("tok-9f2c1e7a");
    // section 11: changesets bumped the version and wrote the changelog
    expect(pkg.version).toBe("0.2.0");
    expect(existsSync(join(plugin, "CHANGELOG.md"))).toBe(true);
  }, 1_800_000);
});
