import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, runCli, tempDir } from "./helpers/packages.js";

// A plugin that breaks the contract at run time, or a plugin the user named that was refused:
// one line naming the plugin, the method and what the contract expects (or the refusal and its
// reason), exit code 2 — never a raw TypeError from inside the CLI.

let dir: string;
const breaker = join(FIXTURES, "plugins", "contract-breaker");
const oldContract = join(FIXTURES, "plugins", "old-contract");

function expectOneError(run: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(run.code).toBe(2);
  const errors = run.stderr.split("\n").filter((l) => l.startsWith("error:"));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/TypeError|\n\s+at /);
}

beforeAll(() => {
  dir = tempDir("dp-plugin-contract-");
  writeFileSync(
    join(dir, "box.json"),
    JSON.stringify({
      id: "/subscriptions/s/resourceGroups/g/providers/Example.Breaker/boxes/b",
      type: "Example.Breaker/boxes",
      name: "b",
    }),
  );
  writeFileSync(
    join(dir, "box2.json"),
    JSON.stringify({
      id: "/subscriptions/s/resourceGroups/g/providers/Example.Breaker/boxes/c",
      type: "Example.Breaker/boxes",
      name: "c",
    }),
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "empty-project", private: true }));
});

const WHO = /plugin "breaker" \(dataplane-plugin-contract-breaker@0\.3\.0\)/.source;

describe("run-time contract violations name the plugin, the method and the expected shape", () => {
  it("discover returning an array", () => {
    const run = runCli(["discover", "box.json", "--plugin", breaker], {
      cwd: dir,
      env: { DATAPLANE_TEST_BREAK: "discover-array" },
    });
    expectOneError(
      run,
      new RegExp(
        `${WHO}: discover\\(resource, context\\) returned an array; the plugin contract expects an AsyncIterable of items \\(write it as an async generator`,
      ),
    );
    expect(run.stderr).toMatch(/report it to its authors/);
  });

  it("discover returning a promise", () => {
    const run = runCli(["discover", "box.json", "--plugin", breaker], {
      cwd: dir,
      env: { DATAPLANE_TEST_BREAK: "discover-promise" },
    });
    expectOneError(run, new RegExp(`${WHO}: discover\\(resource, context\\) returned a Promise;`));
  });

  it("discover yielding an item of an undeclared kind", () => {
    const run = runCli(["discover", "box.json", "--plugin", breaker], {
      cwd: dir,
      env: { DATAPLANE_TEST_BREAK: "discover-item" },
    });
    expectOneError(
      run,
      new RegExp(
        `${WHO}: discover\\(…\\) yielded as its first item an item \\(gadget/a\\) of kind "gadget", not one of its itemKinds \\(widget\\)`,
      ),
    );
  });

  it("generate resolving to text instead of { files, variables }", () => {
    const run = runCli(["generate", "box.json", "--out", join(dir, "tf"), "--plugin", breaker], {
      cwd: dir,
      env: { DATAPLANE_TEST_BREAK: "generate" },
    });
    expectOneError(
      run,
      new RegExp(
        `${WHO}: generate\\(items, "terraform", context\\) resolved to a string; the plugin contract expects a Promise of \\{ files`,
      ),
    );
  });

  it("replicate resolving to nothing", () => {
    const run = runCli(
      ["replicate", "--source", "box.json", "--target", "box2.json", "--plugin", breaker, "--no-progress"],
      { cwd: dir, env: { DATAPLANE_TEST_BREAK: "replicate" } },
    );
    expectOneError(
      run,
      new RegExp(
        `${WHO}: replicate\\(source, target, context\\) resolved to undefined; the plugin contract expects a Promise of a ReplicationResult`,
      ),
    );
  });

  it("the same plugin, keeping the contract, runs", () => {
    const run = runCli(["discover", "box.json", "--plugin", breaker], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/breaker\s+widget\s+1/);
  });
});

describe("a plugin named with --plugin that is refused is shown, with its reason, and stops the command", () => {
  it("discover says which plugin was refused and why (not 'no plugin installed')", () => {
    const run = runCli(["discover", "box.json", "--plugin", breaker, "--plugin", oldContract], { cwd: dir });
    expectOneError(
      run,
      /a plugin named with --plugin was refused: dataplane-plugin-old@3\.0\.0 \(incompatible-contract\): dataplane-plugin-old@3\.0\.0 was built for plugin contract \^0\.1\.0/,
    );
    expect(run.stderr).not.toMatch(/no plugin installed/);
  });

  it("a path that does not exist is refused the same way", () => {
    const run = runCli(["discover", "box.json", "--plugin", join(dir, "nowhere")], { cwd: dir });
    expectOneError(run, /a plugin named with --plugin was refused: .*nowhere \(not-found\)/);
  });

  it("plugins lists the refusal under Refused and exits 2; without the bad --plugin it exits 0", () => {
    const run = runCli(["plugins", "--plugin", breaker, "--plugin", oldContract], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/breaker\s+0\.3\.0\s+explicit/);
    expect(run.stdout).toMatch(
      /Refused:[\s\S]*dataplane-plugin-old@3\.0\.0\s+explicit\s+incompatible-contract/,
    );
    expect(run.stderr).toMatch(
      /^error: a plugin named with --plugin was refused: dataplane-plugin-old@3\.0\.0/,
    );

    const json = runCli(["plugins", "--json", "--plugin", oldContract], { cwd: dir });
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { refused: { reason: string }[] }).refused).toEqual([
      expect.objectContaining({ reason: "incompatible-contract" }),
    ]);

    expect(runCli(["plugins", "--plugin", breaker], { cwd: dir }).code).toBe(0);
  });
});
