import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, WORKSPACE } from "./helpers/packages.js";

// The README's prerequisites, run verbatim as a new user would: on this machine's own Node (20
// on CI's machines), in a clean HOME, with nothing of ours on PATH. They must end with `pnpm` on
// PATH. Versions are pinned in the README, so the result does not depend on the day it runs.

const MACHINE_PATH = "/usr/local/bin:/usr/bin:/bin";

/** The network settings a machine needs to reach the npm registry (CA bundle, proxies); nothing else. */
function networkEnv(): Record<string, string> {
  const names = [
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
  ];
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

function prerequisitesBlock(): string {
  const readme = readFileSync(join(WORKSPACE, "README.md"), "utf8");
  const match = /<!-- prerequisites:begin[^>]*-->\s*```bash\n([\s\S]*?)```\s*<!-- prerequisites:end -->/.exec(
    readme,
  );
  if (!match) throw new Error("README.md has no prerequisites block between its markers");
  return match[1]!;
}

describe("README prerequisites", () => {
  it("followed verbatim from the machine's Node in a clean HOME, they put Node 24 and pnpm on PATH", () => {
    const home = tempDir("dp-readme-home-");
    const env = { HOME: home, PATH: MACHINE_PATH, LANG: "C.UTF-8", ...networkEnv() };
    const machineNode = execFileSync("node", ["-v"], { env, encoding: "utf8" }).trim();
    // the case the README's lines are for: a machine whose Node is older than the 22.12 we need
    expect(Number(/^v(\d+)/.exec(machineNode)?.[1])).toBeLessThan(22);

    const script = `set -euo pipefail\ncd "$HOME"\n${prerequisitesBlock()}\necho "pnpm at $(command -v pnpm)"\n`;
    const run = spawnSync("bash", ["-c", script], { env, encoding: "utf8", timeout: 280_000 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toContain("v24.21.0");
    expect(lines).toContain("12.21.0");
    expect(lines.at(-1)).toBe(`pnpm at ${join(home, ".dataplane-tools/node_modules/.bin/pnpm")}`);
    // and that pnpm is the one this repository asks for (package.json "packageManager")
    const version = spawnSync(join(home, ".dataplane-tools/node_modules/.bin/pnpm"), ["-v"], {
      cwd: WORKSPACE,
      env: { ...env, PATH: `${join(home, ".dataplane-tools/node_modules/.bin")}:${MACHINE_PATH}` },
      encoding: "utf8",
    });
    const packageManager = (
      JSON.parse(readFileSync(join(WORKSPACE, "package.json"), "utf8")) as {
        packageManager: string;
      }
    ).packageManager;
    expect(`pnpm@${version.stdout.trim().split("\n").at(-1)}`).toBe(packageManager);
    rmSync(home, { recursive: true, force: true });
  }, 300_000);
});
