import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { type StartedEmulators, startEmulators, writeEmulatorFiles } from "@dataplane/emulators";
import xterm from "@xterm/headless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCliAsync, tempDir, WORKSPACE } from "./helpers/packages.js";

// What a user sees through the CLI over the emulators: the summary shows what was not copied
// and why, `--quiet` is quiet, bad input is refused, filters choose items by name, and on a
// terminal every line stays on the screen (rendered by a headless terminal emulator).

const KV = join(WORKSPACE, "packages/plugin-keyvault");
const STORAGE = join(WORKSPACE, "packages/plugin-storage");
let started: StartedEmulators;
let files: Awaited<ReturnType<typeof writeEmulatorFiles>>;
let dir: string;
let plugins: string[];

beforeAll(async () => {
  dir = tempDir("dp-output-");
  started = await startEmulators({ seed: true });
  files = await writeEmulatorFiles(join(dir, "emulators"), started);
  plugins = ["--config", files.config, "--plugin", KV, "--plugin", STORAGE];
}, 240_000);

afterAll(async () => {
  await started?.stop();
});

function cli(args: string[]) {
  return runCliAsync([...args, ...plugins], { cwd: dir });
}

function targetSecrets(): SecretClient {
  const config = JSON.parse(readFileSync(files.config, "utf8")) as {
    sides: { target: { credential: { token: string } } };
  };
  const token = config.sides.target.credential.token;
  const vault = JSON.parse(readFileSync(files.resources.targetVault, "utf8")) as {
    properties: { vaultUri: string };
  };
  const ca = readFileSync(join(dir, "emulators", "ca.pem"), "utf8");
  return new SecretClient(
    vault.properties.vaultUri,
    { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) },
    { disableChallengeResourceVerification: true, tlsOptions: { ca } },
  );
}

/** Item keys in the JSON lines of `discover --json`. */
function keysOf(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { type: string; item?: { key: string } })
    .filter((l) => l.type === "item")
    .map((l) => l.item!.key)
    .sort();
}

describe("--quiet and --log-file", () => {
  it("prints nothing on success, in a pipe, and logs every item (redacted) to the file", async () => {
    const log = join(dir, "logs", "run.log");
    const run = await cli([
      "replicate",
      "--source",
      files.resources.sourceVault,
      "--target",
      files.resources.targetVault,
      "--checkpoint",
      join(dir, "cp-quiet"),
      "--quiet",
      "--log-file",
      log,
    ]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("");
    expect(run.code).toBe(0);
    const text = readFileSync(log, "utf8");
    expect(text).toMatch(/created\s+secret secret\/db-password/);
    expect(text).toMatch(/keyvault: dataplane-emulators\/source-vault → dataplane-emulators\/target-vault/);
    expect(text).toMatch(/total\s+\d+/);
    // no secret value and no token
    const secret = await targetSecrets().getSecret("db-password");
    expect(secret.value).toBeTruthy();
    expect(text).not.toContain(secret.value!);
    const config = readFileSync(files.config, "utf8");
    const token = (JSON.parse(config) as { sides: { source: { credential: { token: string } } } }).sides
      .source.credential.token;
    expect(text).not.toContain(token);
    // discover too
    const discover = await cli(["discover", files.resources.sourceStorage, "--quiet"]);
    expect(discover).toMatchObject({ code: 0, stdout: "", stderr: "" });
  }, 240_000);
});

describe("the summary shows what was not copied", () => {
  it("counts a conflict apart, warns with the count and where to see it, and exits 3", async () => {
    await targetSecrets().setSecret("api-key", "changed by hand in the target");
    const report = join(dir, "conflict-report.json");
    const run = await cli([
      "replicate",
      "--source",
      files.resources.sourceVault,
      "--target",
      files.resources.targetVault,
      "--checkpoint",
      join(dir, "cp-conflict"),
    ]);
    expect(run.code).toBe(3);
    const lines = run.stdout.split("\n");
    const header = lines.find((l) => l.startsWith("KIND"))!;
    expect(header.split(/\s+/)).toEqual([
      "KIND",
      "DISCOVERED",
      "CREATED",
      "UPDATED",
      "UNCHANGED",
      "CONFLICT",
      "UNSUPPORTED",
      "FAILED",
    ]);
    // secret: 3 discovered, 0 created, 0 updated, 2 unchanged, 1 conflict, 0 unsupported, 0 failed
    expect(lines.find((l) => l.startsWith("secret"))).toMatch(/^secret\s+3\s+0\s+0\s+2\s+1\s+0\s+0$/);
    expect(run.stderr).toMatch(
      /^warning: 1 conflict \(secret 1\): the target holds a different item of the same name and was left as it is — see them with --verbose or --report <file>; --on-conflict overwrite replaces them \(exit code 3\)$/m,
    );
    // with --report the warning names the file, which lists the item
    const again = await cli([
      "replicate",
      "--source",
      files.resources.sourceVault,
      "--target",
      files.resources.targetVault,
      "--checkpoint",
      join(dir, "cp-conflict"),
      "--report",
      report,
    ]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`warning: 1 conflict (secret 1): `);
    expect(again.stderr).toContain(`see them in ${report}`);
    expect(readFileSync(report, "utf8")).toMatch(
      /"key": ?"secret\/api-key"[^}]*"status": ?"skipped-conflict"/,
    );
    // a dry run leaves nothing, so it exits 0, but says what a run would leave
    const dry = await cli([
      "replicate",
      "--source",
      files.resources.sourceVault,
      "--target",
      files.resources.targetVault,
      "--dry-run",
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/secret\s+conflict\s+1/);
    expect(dry.stderr).toMatch(/^warning: 1 conflict \(secret 1\): .* which a run would leave as it is/m);
    // --quiet still warns
    const quiet = await cli([
      "replicate",
      "--source",
      files.resources.sourceVault,
      "--target",
      files.resources.targetVault,
      "--checkpoint",
      join(dir, "cp-conflict"),
      "--quiet",
    ]);
    expect(quiet.code).toBe(3);
    expect(quiet.stdout).toBe("");
    expect(quiet.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^warning: 1 conflict \(secret 1\)/),
    ]);
  }, 240_000);
});

describe("bad input is refused (exit 2, one line, nothing done)", () => {
  it("refuses --resources without a mapping, a source equal to its target, and a format no plugin writes", async () => {
    const noMapping = await cli(["replicate", "--resources", files.resources.all]);
    expect(noMapping.code).toBe(2);
    expect(noMapping.stderr).toMatch(/--resources needs --mapping or --map/);
    const same = await cli([
      "replicate",
      "--source",
      files.resources.sourceVault,
      "--target",
      files.resources.sourceVault,
    ]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(
      /the source and the target are the same resource \(dataplane-emulators\/source-vault\)/,
    );
    const sameMapped = await cli([
      "replicate",
      "--resources",
      files.resources.all,
      "--map",
      "srcaccount=srcaccount",
    ]);
    expect(sameMapped.code).toBe(2);
    expect(sameMapped.stderr).toMatch(/the source and the target are the same resource/);
    const out = join(dir, "bicep");
    const bicep = await cli(["generate", files.resources.sourceVault, "--out", out, "--format", "bicep"]);
    expect(bicep.code).toBe(2);
    expect(bicep.stderr).toMatch(/Allowed choices are terraform\./);
    expect(existsSync(out)).toBe(false);
    const badPattern = await cli(["discover", files.resources.sourceVault, "--include", "db-*"]);
    expect(badPattern.code).toBe(2);
    expect(badPattern.stderr).toMatch(/--include "db-\*" is not <kind>\/<name pattern>/);
  }, 240_000);

  it("shows the global options and examples in a subcommand's help", async () => {
    const help = await cli(["replicate", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Global Options:[\s\S]*--json[\s\S]*--verbose[\s\S]*--config <file>/);
    expect(help.stdout).toMatch(/Examples:\n\s+\$ dataplane replicate --source/);
    expect(help.stdout).toMatch(/--format|--include <pattern>/);
    const generate = await cli(["generate", "--help"]);
    expect(generate.stdout).toMatch(/\(choices: "terraform", default: "terraform"\)/);
    expect(generate.stdout).not.toContain("bicep");
  }, 120_000);
});

describe("--include / --exclude", () => {
  it("choose Key Vault items by name; a pattern naming no kind is refused", async () => {
    const onlyDb = await cli(["discover", files.resources.sourceVault, "--json", "--include", "*/db-*"]);
    expect(onlyDb.code).toBe(0);
    expect(keysOf(onlyDb.stdout)).toEqual(["secret/db-password"]);
    // with includes, only what they match is in: no key, no certificate
    const two = await cli([
      "discover",
      files.resources.sourceVault,
      "--json",
      "--include",
      "secret/*-key",
      "--include",
      "key/*",
    ]);
    expect(keysOf(two.stdout)).toEqual(["key/signing-key", "secret/api-key"]);
    const excluded = await cli([
      "discover",
      files.resources.sourceVault,
      "--json",
      "--exclude",
      "secret/*",
      "--exclude",
      "certificate/*",
    ]);
    expect(keysOf(excluded.stdout)).toEqual(["key/signing-key"]);
    // a pattern naming no kind of the plugins at hand is a mistake, said so
    const typo = await cli(["discover", files.resources.sourceVault, "--include", "secrets/*"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/"secrets\/\*" names no item kind of this run/);
    expect(typo.stderr).toMatch(/secret, key, certificate/);
  }, 120_000);

  it("choose blobs and files by name; the target sees the same filter (nothing else touched)", async () => {
    const run = await cli([
      "replicate",
      "--source",
      files.resources.sourceStorage,
      "--target",
      files.resources.targetStorage,
      "--checkpoint",
      join(dir, "cp-filter"),
      "--include",
      "blob/images/**",
      "--include",
      "file/shared-docs/projects/**",
      "--exclude",
      "blob/**/*.txt",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const target = await cli(["discover", files.resources.targetStorage, "--side", "target", "--json"]);
    // the container and the folders on the way to what was included, and nothing else
    expect(keysOf(target.stdout)).toEqual(
      [
        "blob/images/logo.svg",
        "container/images",
        "directory/shared-docs/projects",
        "directory/shared-docs/projects/alpha",
        "directory/shared-docs/projects/beta",
        "file/shared-docs/projects/alpha/notes.md",
        "file/shared-docs/projects/beta/data.csv",
        "share/shared-docs",
      ].sort(),
    );
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
      filters: { include: string[]; exclude: string[] };
      results: { counts: { discovered: number; created: number; failed: number } }[];
    };
    expect(summary.results[0]!.counts).toMatchObject({ discovered: 8, created: 8, failed: 0 });
    expect(summary.filters).toEqual({
      include: ["blob/images/**", "file/shared-docs/projects/**"],
      exclude: ["blob/**/*.txt"],
    });
  }, 240_000);
});

/** Runs a command on a pseudo-terminal and returns what a user would see: the rendered screen and scrollback. */
async function onTerminal(
  args: string[],
  script: string = CLI_BIN,
  extra: string[] = plugins,
  cwd: string = dir,
): Promise<{ screen: string[]; code: number }> {
  const cols = 200;
  const rows = 40;
  const command = [process.execPath, script, ...args, ...extra].map((a) => `'${a}'`).join(" ");
  // `script` runs the command on a pseudo-terminal, as a user's shell would (asynchronously:
  // the emulators live in this process)
  const { output, code } = await new Promise<{ output: string; code: number }>((resolve, reject) => {
    const child = spawn("script", ["-qec", `stty cols ${cols} rows ${rows}; ${command}`, "/dev/null"], {
      cwd,
    });
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      text += d;
    });
    child.once("error", reject);
    child.once("exit", (c) => resolve({ output: text, code: c ?? -1 }));
  });
  const terminal = new xterm.Terminal({ cols, rows, scrollback: 100_000, allowProposedApi: true });
  // a pty turns "\n" into "\r\n" itself; keep what script recorded as it is
  await new Promise<void>((resolve) => terminal.write(output, resolve));
  const buffer = terminal.buffer.active;
  const screen: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i)!;
    const text = line.translateToString(true);
    if (line.isWrapped && screen.length > 0) screen[screen.length - 1] += text;
    else screen.push(text);
  }
  terminal.dispose();
  return { screen, code };
}

describe("on a terminal", () => {
  it("keeps every --verbose line and the verify line on the screen in a multi-resource run", async () => {
    const mapping = join(dir, "mapping.json");
    writeFileSync(mapping, JSON.stringify({ "source-vault": "target-vault", srcaccount: "dstaccount" }));
    const report = join(dir, "tty-report.json");
    const { screen, code } = await onTerminal([
      "replicate",
      "--resources",
      files.resources.all,
      "--mapping",
      mapping,
      "--checkpoint",
      join(dir, "cp-tty"),
      "--verbose",
      "--verify",
      "--report",
      report,
    ]);
    // the vault's conflict (api-key, changed by hand above) is left: exit 3
    expect(code).toBe(3);
    const outcomes = (
      JSON.parse(readFileSync(report, "utf8")) as { items: { kind: string; key: string; status: string }[] }
    ).items;
    expect(outcomes.length).toBeGreaterThan(20);
    for (const o of outcomes) {
      if (o.kind === "run" || o.kind === "verify") continue;
      expect(
        screen.filter((l) => new RegExp(`^\\s+plan\\s+\\S+\\s+${o.kind} ${o.key}( |$)`).test(l)),
      ).toHaveLength(1);
      expect(
        screen.filter((l) => new RegExp(`^\\s+${o.status}\\s+${o.kind} ${o.key}( |$)`).test(l)),
      ).toHaveLength(1);
    }
    expect(screen).toContainEqual(
      expect.stringMatching(/^verify: passed — 2 containers, 4 blobs, 1 share, 5 directories, 4 files match/),
    );
    expect(screen).toContainEqual(
      expect.stringMatching(
        /^keyvault: dataplane-emulators\/source-vault → dataplane-emulators\/target-vault$/,
      ),
    );
    expect(screen.filter((l) => /^total\s+\d+/.test(l))).toHaveLength(2);
    expect(screen).toContainEqual(expect.stringMatching(/^warning: 1 conflict \(secret 1\)/));
    // the bars end showing what was done, after every other line of the run and before the summary
    const bar = screen.findIndex((l) => /^storage \|[█░]+\| (\d+)\/\1 items \| 0 failed/.test(l));
    expect(bar).toBeGreaterThan(screen.findIndex((l) => /^verify: passed/.test(l)));
    expect(bar).toBeLessThan(screen.findIndex((l) => l.startsWith("KIND")));
  }, 240_000);

  it("discover ends with the number of items found, not an empty bar", async () => {
    const { screen, code } = await onTerminal(["discover", files.resources.sourceStorage, "--verbose"]);
    expect(code).toBe(0);
    expect(screen).toContainEqual(expect.stringMatching(/^storage \| 16 items found \|/));
    expect(screen.filter((l) => /^(container|blob|share|directory|file)\s+\1\//.test(l))).toHaveLength(16);
    expect(screen.join("\n")).not.toMatch(/0\/\d+ items/);
  }, 120_000);
});

describe("pnpm demo", () => {
  it("shows the verification result on a terminal", async () => {
    const { screen, code } = await onTerminal([], join(WORKSPACE, "scripts/demo.mjs"), [], WORKSPACE);
    expect(code, screen.join("\n")).toBe(0);
    expect(screen).toContainEqual(expect.stringMatching(/^verify: passed — \d+ containers?, /));
    expect(screen).toContainEqual(expect.stringMatching(/^done: Terraform in /));
  }, 300_000);
});
