import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURES,
  makeProject,
  packFolder,
  packWorkspace,
  repackWithVersion,
  runCli,
  tempDir,
} from "./helpers/packages.js";

// Plugins installed as packages (packed tarballs, installed by npm into projects outside the
// workspace), found through the well-known entry point by the installed CLI.

interface PluginsJson {
  coreVersion: string;
  plugins: {
    name: string;
    version: string;
    package: string;
    packageVersion: string;
    origin: string;
    resourceTypes: string[];
    itemKinds: string[];
    description: string | null;
  }[];
  refused: { candidate: string; reason: string; message: string; plugin?: string }[];
}

const tarballs: Record<string, string> = {};
let full: string;
let alphaOnly: string;

beforeAll(() => {
  const dest = tempDir("dp-tarballs-");
  tarballs.core = packWorkspace("core", dest);
  tarballs.cli = packWorkspace("cli", dest);
  const coreCopy = repackWithVersion(tarballs.core, "0.0.1-copy", join(dest, "copy"));
  for (const name of ["alpha", "beta", "old-contract", "throws", "not-a-function", "duplicate"]) {
    tarballs[name] = packFolder(join(FIXTURES, "plugins", name), dest);
  }
  tarballs["own-core"] = packFolder(join(FIXTURES, "plugins", "own-core"), dest, {
    __CORE_COPY__: `file:${coreCopy}`,
  });
  full = makeProject("full", {
    "@dataplane/core": tarballs.core!,
    "@dataplane/cli": tarballs.cli!,
    "dataplane-plugin-alpha": tarballs.alpha!,
    "dataplane-plugin-beta": tarballs.beta!,
    "dataplane-plugin-old": tarballs["old-contract"]!,
    "dataplane-plugin-throws": tarballs.throws!,
    "dataplane-plugin-notfn": tarballs["not-a-function"]!,
    "dataplane-plugin-dup": tarballs.duplicate!,
    "dataplane-plugin-own-core": tarballs["own-core"]!,
  });
  alphaOnly = makeProject("alpha-only", {
    "@dataplane/core": tarballs.core!,
    "@dataplane/cli": tarballs.cli!,
    "dataplane-plugin-alpha": tarballs.alpha!,
  });
}, 600_000);

const bin = (project: string) => join(project, "node_modules/@dataplane/cli/dist/bin.js");

describe("plugins installed as packages", () => {
  it("are found and listed with version, origin, resource types and item kinds", () => {
    const run = runCli(["plugins", "--json"], { cwd: full, bin: bin(full) });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as PluginsJson;
    const names = json.plugins.map((p) => p.name).sort();
    expect(names).toEqual(["alpha", "beta", "own-core"]);
    const alpha = json.plugins.find((p) => p.name === "alpha")!;
    expect(alpha).toMatchObject({
      version: "1.2.3",
      package: "dataplane-plugin-alpha",
      packageVersion: "1.2.3",
      origin: "project",
      resourceTypes: ["Example.Alpha/things"],
      itemKinds: ["thing"],
    });
    expect(existsSync(join(full, "node_modules/dataplane-plugin-alpha/dataplane-plugin.js"))).toBe(true);
  });

  it("refuses broken candidates, each with its name and reason, while the rest still work", () => {
    const run = runCli(["plugins", "--json"], { cwd: full, bin: bin(full) });
    const json = JSON.parse(run.stdout) as PluginsJson;
    const byName = Object.fromEntries(json.refused.map((r) => [r.candidate, r]));
    expect(byName["dataplane-plugin-old"]).toMatchObject({ reason: "incompatible-contract" });
    expect(byName["dataplane-plugin-old"]!.message).toMatch(
      /dataplane-plugin-old@3\.0\.0 was built for plugin contract \^0\.1\.0, but .* implements contract 1\.0\.0\. To use it: install a release of dataplane-plugin-old built for contract 1\.x, or a @dataplane\/cli whose contract is in \^0\.1\.0\. If you maintain dataplane-plugin-old: .*publish a new major version\.$/,
    );
    expect(byName["dataplane-plugin-throws"]).toMatchObject({ reason: "import-failed" });
    expect(byName["dataplane-plugin-throws"]!.message).toContain("boom at import time");
    expect(byName["dataplane-plugin-notfn"]).toMatchObject({ reason: "not-a-function" });
    expect(byName["dataplane-plugin-dup"]).toMatchObject({ reason: "conflict", plugin: "alpha-clone" });
    expect(byName["dataplane-plugin-dup"]!.message).toMatch(/already served by alpha/);
    expect(json.refused).toHaveLength(4);

    const human = runCli(["plugins"], { cwd: full, bin: bin(full) });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /alpha\s+1\.2\.3\s+project \(dataplane-plugin-alpha\)\s+Example\.Alpha\/things\s+thing/,
    );
    expect(human.stdout).toMatch(/Refused:[\s\S]*dataplane-plugin-throws@1\.0\.0\s+project\s+import-failed/);
  });

  it("works with two copies of @dataplane/core in one install (the plugin's and the CLI's)", async () => {
    const run = runCli(["plugins", "--json"], { cwd: full, bin: bin(full) });
    const json = JSON.parse(run.stdout) as PluginsJson;
    expect(json.coreVersion).toBe("0.1.0");
    const own = json.plugins.find((p) => p.name === "own-core")!;
    expect(own.description).toBe("built with @dataplane/core 0.0.1-copy; loaded by core 0.1.0");
    expect(
      existsSync(join(full, "node_modules/dataplane-plugin-own-core/node_modules/@dataplane/core")),
    ).toBe(true);

    const resource = join(full, "gamma.json");
    writeFileSync(
      resource,
      JSON.stringify({
        id: "/subscriptions/s/resourceGroups/g/providers/Example.Gamma/gadgets/x",
        type: "Example.Gamma/gadgets",
        name: "x",
      }),
    );
    const out = join(full, "iac-gamma");
    const gen = runCli(["generate", resource, "--out", out], { cwd: full, bin: bin(full) });
    expect(gen.stderr).toBe("");
    expect(gen.code).toBe(0);
    const { readFileSync } = await import("node:fs");
    const parsed = (await parse("main.tf", readFileSync(join(out, "main.tf"), "utf8"))) as {
      resource: { example_gadget: { g: [{ name: string }] } };
    };
    expect(parsed.resource.example_gadget.g[0].name).toBe('g "quoted" $${x}');
  });

  it("drives an installed plugin's options and engine through the CLI", () => {
    const resource = join(full, "alpha.json");
    writeFileSync(
      resource,
      JSON.stringify({
        id: "/subscriptions/s/resourceGroups/g/providers/Example.Alpha/things/a",
        type: "example.alpha/things",
        name: "a",
        properties: { things: ["one", "two", "other"] },
      }),
    );
    const discover = runCli(["discover", resource, "--prefix", "o", "--json"], { cwd: full, bin: bin(full) });
    expect(discover.code).toBe(0);
    const keys = discover.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "item")
      .map((l) => l.item.key);
    expect(keys).toEqual(["thing/one", "thing/other"]);
    // a target of its own: a source equal to its target is refused
    const target = join(full, "alpha-target.json");
    writeFileSync(
      target,
      JSON.stringify({
        id: "/subscriptions/s/resourceGroups/g/providers/Example.Alpha/things/b",
        type: "example.alpha/things",
        name: "b",
        properties: { things: [] },
      }),
    );
    const replicate = runCli(
      ["replicate", "--source", resource, "--target", target, "--checkpoint", join(full, "cp")],
      { cwd: full, bin: bin(full) },
    );
    expect(replicate.code).toBe(0);
    expect(replicate.stdout).toMatch(/thing\s+3\s+3\s+0\s+0\s+0/);
  });

  it("a project with only one of two plugins installed sees only that one", () => {
    const run = runCli(["plugins", "--json"], { cwd: alphaOnly, bin: bin(alphaOnly) });
    const json = JSON.parse(run.stdout) as PluginsJson;
    expect(json.plugins.map((p) => p.name)).toEqual(["alpha"]);
    expect(json.refused).toEqual([]);
  });

  it("loads a plugin named explicitly by path or by DATAPLANE_PLUGINS, and reports one that is not there", () => {
    const byFlag = runCli(["plugins", "--json", "--plugin", join(FIXTURES, "plugins", "beta")], {
      cwd: alphaOnly,
      bin: bin(alphaOnly),
    });
    const json = JSON.parse(byFlag.stdout) as PluginsJson;
    expect(json.plugins.map((p) => `${p.name}:${p.origin}`).sort()).toEqual([
      "alpha:project",
      "beta:explicit",
    ]);
    const byEnv = runCli(["plugins", "--json"], {
      cwd: alphaOnly,
      bin: bin(alphaOnly),
      env: { DATAPLANE_PLUGINS: "dataplane-plugin-missing" },
    });
    const envJson = JSON.parse(byEnv.stdout) as PluginsJson;
    expect(envJson.refused).toEqual([
      expect.objectContaining({ candidate: "dataplane-plugin-missing", reason: "not-found" }),
    ]);
  });
});
