import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AzureNamedKeyCredential, TableClient } from "@azure/data-tables";
import { SecretClient } from "@azure/keyvault-secrets";
import { type StartedEmulators, startEmulators, writeEmulatorFiles } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURES,
  makeProject,
  npmInstall,
  packDir,
  packFolder,
  packWorkspace,
  runCliAsync,
  tempDir,
  WORKSPACE,
} from "./helpers/packages.js";

// Install only what you need: every package packed to a tarball, installed by npm outside the
// workspace (a project, then a global prefix), driven through the installed `dataplane`.

interface PluginsJson {
  plugins: { name: string; origin: string; package: string; resourceTypes: string[]; itemKinds: string[] }[];
  refused: { candidate: string; reason: string; message: string }[];
}

const tgz: Record<string, string> = {};
let started: StartedEmulators;
let files: Awaited<ReturnType<typeof writeEmulatorFiles>>;
let work: string;

function pluginsOf(stdout: string): PluginsJson {
  return JSON.parse(stdout) as PluginsJson;
}

beforeAll(async () => {
  work = tempDir("dp-install-e2e-");
  const dest = join(work, "tarballs");
  for (const pkg of ["core", "azure", "cli", "plugin-keyvault", "plugin-storage"])
    tgz[pkg] = packWorkspace(pkg, dest);
  const tables = join(WORKSPACE, "examples/dataplane-plugin-tables");
  if (existsSync(join(tables, "package.json"))) tgz.tables = packDir(tables, dest);
  tgz.throws = packFolder(join(FIXTURES, "plugins", "throws"), dest);
  started = await startEmulators({ seed: true, table: true });
  files = await writeEmulatorFiles(join(work, "emulators"), started);
  const { name, key } = started.storageAccounts.source;
  const table = new TableClient(
    started.azurite.tableEndpoint!(name),
    "inventory",
    new AzureNamedKeyCredential(name, key),
    {
      allowInsecureConnection: true,
    },
  );
  await table.createTable();
  await table.createEntity({ partitionKey: "p", rowKey: "1", sku: "A-1", count: 3 });
}, 600_000);

afterAll(async () => {
  await started?.stop();
});

async function secretNames(vault: "source" | "target"): Promise<string[]> {
  const info = started.vaults[vault];
  const client = new SecretClient(
    info.vaultUri,
    { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) },
    {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: started.keyVault.caCertificatePem! },
    },
  );
  const names: string[] = [];
  for await (const p of client.listPropertiesOfSecrets()) if (!p.managed) names.push(p.name);
  return names.sort();
}

describe("installs from packed tarballs", () => {
  let project: string;

  it("a project with @dataplane/cli and only @dataplane/plugin-keyvault lists only that plugin and replicates a vault", async () => {
    // @dataplane/core and @dataplane/azure (the plugins' helper) are not on the registry here:
    // their tarballs stand in for what npm would fetch for a published release.
    project = makeProject("kv-only", {
      "@dataplane/core": tgz.core!,
      "@dataplane/azure": tgz.azure!,
      "@dataplane/cli": tgz.cli!,
      "@dataplane/plugin-keyvault": tgz["plugin-keyvault"]!,
    });
    const bin = join(project, "node_modules/.bin/dataplane");
    const listed = await runCliAsync(["plugins", "--json"], { cwd: project, bin });
    expect(listed.code).toBe(0);
    const json = pluginsOf(listed.stdout);
    expect(json.plugins.map((p) => `${p.name}:${p.origin}`)).toEqual(["keyvault:project"]);
    expect(json.refused).toEqual([]);

    const replicate = await runCliAsync(
      [
        "replicate",
        "--source",
        files.resources.sourceVault,
        "--target",
        files.resources.targetVault,
        "--config",
        files.config,
        "--no-progress",
      ],
      { cwd: project, bin },
    );
    expect(replicate.stderr).not.toMatch(/error:/);
    expect(replicate.code).toBe(0);
    expect(await secretNames("target")).toEqual(await secretNames("source"));
  }, 300_000);

  it("installing @dataplane/plugin-storage makes it appear, with no configuration edited", async () => {
    npmInstall(project, [`file:${tgz["plugin-storage"]}`]);
    const bin = join(project, "node_modules/.bin/dataplane");
    const json = pluginsOf((await runCliAsync(["plugins", "--json"], { cwd: project, bin })).stdout);
    expect(json.plugins.map((p) => p.name).sort()).toEqual(["keyvault", "storage"]);
    const discover = await runCliAsync(
      ["discover", files.resources.sourceStorage, "--config", files.config, "--json"],
      { cwd: project, bin },
    );
    expect(discover.code).toBe(0);
    expect(discover.stdout).toMatch(/"kind":"blob"/);
  }, 300_000);

  it("a third-party plugin installed from its tarball serves the same resource type for other item kinds; both run", async () => {
    expect(tgz.tables, "examples/dataplane-plugin-tables must exist and pack").toBeDefined();
    npmInstall(project, [`file:${tgz.tables}`]);
    const bin = join(project, "node_modules/.bin/dataplane");
    const json = pluginsOf((await runCliAsync(["plugins", "--json"], { cwd: project, bin })).stdout);
    const storageTypePlugins = json.plugins.filter((p) =>
      p.resourceTypes.some((t) => t.toLowerCase() === "microsoft.storage/storageaccounts"),
    );
    expect(storageTypePlugins.map((p) => p.package).sort()).toEqual([
      "@dataplane/plugin-storage",
      "dataplane-plugin-tables",
    ]);
    const discover = await runCliAsync(
      ["discover", files.resources.sourceStorage, "--config", files.config],
      { cwd: project, bin },
    );
    expect(discover.code).toBe(0);
    expect(discover.stdout).toMatch(/^storage\s+blob\s+\d+/m);
    expect(discover.stdout).toMatch(/^tables\s+table\s+1/m);
    expect(discover.stdout).toMatch(/^tables\s+table-entity\s+1/m);
  }, 300_000);

  it("a plugin whose entry point throws does not stop the others", async () => {
    npmInstall(project, [`file:${tgz.throws}`]);
    const bin = join(project, "node_modules/.bin/dataplane");
    const json = pluginsOf((await runCliAsync(["plugins", "--json"], { cwd: project, bin })).stdout);
    expect(json.plugins.map((p) => p.name)).toContain("keyvault");
    expect(json.refused).toEqual([
      expect.objectContaining({ candidate: "dataplane-plugin-throws", reason: "import-failed" }),
    ]);
  }, 300_000);

  it("a simulated contract bump (core at contract 2) refuses a contract-1 plugin, naming it and the version to install", async () => {
    const versionFile = join(project, "node_modules/@dataplane/core/dist/contract/version.js");
    const original = readFileSync(versionFile, "utf8");
    expect(original).toMatch(/CONTRACT_VERSION = "1\.0\.0"/);
    writeFileSync(
      versionFile,
      original.replace(/CONTRACT_VERSION = "1\.0\.0"/, 'CONTRACT_VERSION = "2.0.0"'),
    );
    try {
      const bin = join(project, "node_modules/.bin/dataplane");
      const json = pluginsOf((await runCliAsync(["plugins", "--json"], { cwd: project, bin })).stdout);
      const kv = json.refused.find((r) => r.candidate === "@dataplane/plugin-keyvault");
      expect(kv?.reason).toBe("incompatible-contract");
      expect(kv?.message).toMatch(
        /@dataplane\/plugin-keyvault@0\.1\.0 was built for plugin contract \^1\.0\.0, but .* implements contract 2\.0\.0\. To use it: install a release of @dataplane\/plugin-keyvault built for contract 2\.x, .*If you maintain @dataplane\/plugin-keyvault: build it against @dataplane\/core .*, set "dataplane\.apiVersion" to "\^2\.0\.0"/,
      );
    } finally {
      writeFileSync(versionFile, original);
    }
  }, 120_000);

  it("the same with a global install (npm i -g --prefix): found beside the CLI", async () => {
    const prefix = join(work, "global");
    mkdirSync(prefix, { recursive: true });
    const install = (...tarballs: string[]) =>
      execFileSync(
        "npm",
        [
          "install",
          "-g",
          "--prefix",
          prefix,
          "--no-audit",
          "--no-fund",
          "--prefer-offline",
          "--loglevel=error",
          ...tarballs,
        ],
        {
          stdio: "pipe",
          timeout: 240_000,
        },
      );
    install(tgz.core!, tgz.azure!, tgz.cli!, tgz["plugin-keyvault"]!);
    const bin = join(prefix, "bin/dataplane");
    const elsewhere = tempDir("dp-no-project-");
    const listed = pluginsOf((await runCliAsync(["plugins", "--json"], { cwd: elsewhere, bin })).stdout);
    expect(listed.plugins.map((p) => `${p.name}:${p.origin}`)).toEqual(["keyvault:global"]);
    const replicate = await runCliAsync(
      [
        "replicate",
        "--source",
        files.resources.sourceVault,
        "--target",
        files.resources.targetVault,
        "--config",
        files.config,
        "--no-progress",
      ],
      { cwd: elsewhere, bin },
    );
    expect(replicate.code).toBe(0);
    expect(replicate.stdout).toMatch(/secret\s+\d+\s+0\s+0\s+\d+\s+0/); // all unchanged: the project test copied them
    // @dataplane/core and @dataplane/azure are not on the registry here: name their tarballs so
    // npm can satisfy the plugin's peer and helper dependencies, as the registry would
    install(tgz.core!, tgz.azure!, tgz["plugin-storage"]!);
    const after = pluginsOf((await runCliAsync(["plugins", "--json"], { cwd: elsewhere, bin })).stdout);
    expect(after.plugins.map((p) => p.name).sort()).toEqual(["keyvault", "storage"]);
  }, 400_000);
});
