import { describe, expect, it } from "vitest";
import {
  CHECK_NAMES,
  type ConformanceCheckName,
  type ConformanceOptions,
  createConformanceRun,
  isConformanceFailure,
} from "../src/index.js";
import { fixture, memoryEnvironment } from "./helpers/memory-environment.js";

/** Runs every check of a fixture; returns the failure message of each check that failed. */
async function failures(
  name: string,
  extra: Partial<ConformanceOptions> = {},
): Promise<Map<ConformanceCheckName, string>> {
  const run = createConformanceRun({ packageDir: fixture(name), environment: memoryEnvironment(), ...extra });
  const failed = new Map<ConformanceCheckName, string>();
  try {
    for (const check of CHECK_NAMES) {
      try {
        await run.run(check);
      } catch (error) {
        if (!isConformanceFailure(error)) throw error;
        expect(error.check).toBe(check);
        failed.set(check, error.message);
      }
    }
  } finally {
    await run.teardown();
  }
  return failed;
}

describe("each check catches the plugin that breaks its rule, and only that one", () => {
  it("passes a correct plugin on every check", async () => {
    expect([...(await failures("good")).keys()]).toEqual([]);
  });

  it("a discover that returns an array fails streaming-discovery", async () => {
    const failed = await failures("array-discover");
    expect([...failed.keys()]).toEqual(["streaming-discovery"]);
    expect(failed.get("streaming-discovery")).toMatch(
      /discover returned an array; it must return an AsyncIterable/,
    );
  });

  it("a discover that returns a promise of an array fails streaming-discovery, saying so", async () => {
    const run = createConformanceRun({
      packageDir: fixture("promise-discover"),
      environment: memoryEnvironment(),
    });
    await expect(run.run("streaming-discovery")).rejects.toThrow(/discover returned a Promise/);
    await run.teardown();
  });

  it("keys that change between runs fail streaming-discovery (and break idempotence and completeness)", async () => {
    const failed = await failures("unstable-keys");
    expect([...failed.keys()]).toEqual([
      "streaming-discovery",
      "idempotent-replication",
      "complete-replication",
    ]);
    expect(failed.get("streaming-discovery")).toMatch(
      /keys are not stable: a second discovery of the unchanged source lost/,
    );
  });

  it("properties that do not survive JSON fail streaming-discovery", async () => {
    const failed = await failures("date-properties");
    expect([...failed.keys()]).toEqual(["streaming-discovery"]);
    expect(failed.get("streaming-discovery")).toMatch(/properties do not survive JSON/);
  });

  it("HCL that does not parse fails generated-code, naming the file and the parser's reason", async () => {
    const failed = await failures("bad-hcl");
    expect([...failed.keys()]).toEqual(["generated-code"]);
    expect(failed.get("generated-code")).toMatch(
      /main\.tf does not parse as HCL: .*Unclosed configuration block/,
    );
  });

  it("a sensitive variable with a default value fails generated-code", async () => {
    const failed = await failures("sensitive-default");
    expect([...failed.keys()]).toEqual(["generated-code"]);
    expect(failed.get("generated-code")).toMatch(
      /variable record-0_value is sensitive but has a default value/,
    );
  });

  it("writing during a dry run fails dry-run-purity, showing what changed", async () => {
    const failed = await failures("writes-on-dry-run");
    expect([...failed.keys()]).toEqual(["dry-run-purity"]);
    expect(failed.get("dry-run-purity")).toMatch(
      /the dry run changed the target: \$\[0\]: added .*dry-run-marker/,
    );
  });

  it("logging a secret it did not register fails redaction, without printing the secret", async () => {
    const failed = await failures("logs-canary");
    expect([...failed.keys()]).toEqual(["redaction"]);
    const message = failed.get("redaction")!;
    expect(message).toMatch(/\[CANARY #1\] in a log line: …debug: read record-0: \[CANARY #1\]/);
    expect(message).not.toMatch(/canary-[0-9a-f]{16}/);
  });

  it("printing a secret with console.error (past context.logger) fails redaction, masked", async () => {
    const failed = await failures("console-canary");
    expect([...failed.keys()]).toEqual(["redaction"]);
    const message = failed.get("redaction")!;
    expect(message).toMatch(
      /\[CANARY #1\] in the process's stderr \(console\.error, bypassing context\.logger\): …read record-0: \[CANARY #1\]/,
    );
    expect(message).not.toMatch(/canary-[0-9a-f]{16}/);
  });

  it("a secret value in an item's properties fails redaction", async () => {
    const failed = await failures("secret-in-items");
    expect([...failed.keys()]).toEqual(["redaction"]);
    expect(failed.get("redaction")).toMatch(/in discovered item record\/record-0/);
    expect(failed.get("redaction")).not.toMatch(/canary-[0-9a-f]{16}/);
  });

  it("rewriting unchanged items fails idempotent-replication, naming what was written again", async () => {
    const failed = await failures("rewrites");
    expect([...failed.keys()]).toEqual(["idempotent-replication"]);
    expect(failed.get("idempotent-replication")).toMatch(
      /the second run wrote again \(0 created, 5 updated\): record\/record-0 updated \(always rewritten\)/,
    );
    expect(failed.get("idempotent-replication")).toMatch(
      /the second run changed the target: \$\[0\]\.version: 2 → 3/,
    );
  });

  it("copying only part of the source fails complete-replication", async () => {
    const failed = await failures("partial-copy");
    expect([...failed.keys()]).toEqual(["complete-replication"]);
    expect(failed.get("complete-replication")).toMatch(
      /4 of 5 source items are not in the target after replication: record\/record-1; record\/record-2/,
    );
  });
});

describe("the entry point is checked as core's loader sees it", () => {
  it("@dataplane/core as a dependency instead of a peer fails entry-point only", async () => {
    const failed = await failures("core-dependency");
    expect([...failed.keys()]).toEqual(["entry-point"]);
    expect(failed.get("entry-point")).toMatch(
      /@dataplane\/core is in "dependencies": make it a peerDependency/,
    );
  });

  it("a file: peer range (npm install --save-peer <core.tgz>) fails entry-point only, with the fix", async () => {
    const failed = await failures("file-peer");
    expect([...failed.keys()]).toEqual(["entry-point"]);
    expect(failed.get("entry-point")).toMatch(
      /"peerDependencies": \{ "@dataplane\/core": "file:\.\.\/dataplane-core-0\.1\.0\.tgz" \} is not a semver range: .*npm pkg set 'peerDependencies\[@dataplane\/core\]=\^0\.1\.0'/,
    );
  });

  it("a file: dependency (npm install <tarball>) fails entry-point only, with the fix", async () => {
    const failed = await failures("file-dependency");
    expect([...failed.keys()]).toEqual(["entry-point"]);
    expect(failed.get("entry-point")).toMatch(
      /"dependencies": \{ "@dataplane\/azure": "file:\.\.\/dataplane-azure-0\.1\.0\.tgz" \} names a file on this machine: .*npm pkg set 'dependencies\[@dataplane\/azure\]=<its version range>'/,
    );
  });

  it("a contract range that excludes core's contract fails, and nothing else can be checked", async () => {
    const failed = await failures("old-contract");
    expect([...failed.keys()]).toEqual([...CHECK_NAMES]);
    expect(failed.get("entry-point")).toMatch(
      /"dataplane.apiVersion" \^0\.1\.0 does not include the contract version 1\.0\.0/,
    );
    expect(failed.get("entry-point")).toMatch(/core's loader refused it \(incompatible-contract\)/);
    expect(failed.get("streaming-discovery")).toMatch(
      /cannot check the plugin: the package registered no plugin/,
    );
  });

  it("a default export that is not a function fails entry-point with the loader's reason", async () => {
    const failed = await failures("not-a-function");
    expect(failed.get("entry-point")).toMatch(/refused it \(not-a-function\)/);
  });

  it("an invalid plugin shape fails entry-point and shape with the field at fault", async () => {
    const failed = await failures("invalid-shape");
    expect(failed.get("entry-point")).toMatch(/refused it \(invalid-shape\)/);
    expect(failed.get("shape")).toMatch(/invalid plugin shape: itemKinds: /);
  });

  it("a package with two plugins needs the name of the one to check", async () => {
    const failed = await failures("two-plugins");
    expect(failed.get("shape")).toMatch(
      /registered 2 plugins \(memory, memory-copy\): name the one to check/,
    );
    expect([...(await failures("two-plugins", { plugin: "memory-copy" })).keys()]).toContain(
      "streaming-discovery",
    );
    expect([...(await failures("two-plugins", { plugin: "memory" })).keys()]).toEqual([]);
  });

  it("an option the plugin does not declare fails shape (a typo would test defaults silently)", async () => {
    const failed = await failures("good", { options: { prefx: "record-" } });
    expect([...failed.keys()]).toEqual(["shape"]);
    expect(failed.get("shape")).toMatch(
      /option "prefx" is not declared by plugin memory \(it declares: prefix\)/,
    );
  });

  it("a package that was not built fails entry-point with what to do", async () => {
    const failed = await failures("missing-build");
    expect(failed.get("entry-point")).toMatch(
      /points at \.\/dist\/dataplane-plugin\.js, which does not exist: build the package first/,
    );
  });
});
