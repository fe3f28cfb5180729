import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, WORKSPACE } from "./helpers/packages.js";

// Versioned releases: `changeset version` on a clone of the repository bumps each package on its
// own and writes its CHANGELOG; packages outside our release (examples/) are left alone.

function version(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

describe("releases", () => {
  it("changeset version bumps each package with a changeset independently and writes its CHANGELOG", () => {
    const clone = join(tempDir("dp-release-"), "repo");
    execFileSync("git", ["clone", "-q", WORKSPACE, clone]);
    const config = JSON.parse(readFileSync(join(clone, ".changeset/config.json"), "utf8")) as {
      fixed: unknown[];
      linked: unknown[];
    };
    expect(config.fixed).toEqual([]);
    expect(config.linked).toEqual([]);
    // one changeset of our own, so the test holds whether or not releases are pending
    writeFileSync(
      join(clone, ".changeset/release-test.md"),
      '---\n"@dataplane/core": patch\n---\n\nA test release.\n',
    );
    const pending = readdirSync(join(clone, ".changeset")).filter(
      (f) => f.endsWith(".md") && f !== "README.md",
    );
    const mentioned = new Set(
      pending.flatMap((f) =>
        [...readFileSync(join(clone, ".changeset", f), "utf8").matchAll(/^"(@dataplane\/[^"]+)":/gm)].map(
          (m) => m[1]!,
        ),
      ),
    );
    const before = new Map(
      readdirSync(join(clone, "packages")).map((p) => [p, version(join(clone, "packages", p))]),
    );
    const exampleBefore = version(join(clone, "examples/dataplane-plugin-tables"));

    execFileSync(join(WORKSPACE, "node_modules/.bin/changeset"), ["version"], { cwd: clone, stdio: "pipe" });

    for (const [folder, old] of before) {
      const dir = join(clone, "packages", folder);
      const name = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string }).name;
      if (mentioned.has(name)) {
        expect(version(dir), name).not.toBe(old);
        const changelog = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
        expect(changelog).toContain(`# ${name}`);
        expect(changelog).toContain(`## ${version(dir)}`);
      } else {
        expect(version(dir), name).toBe(old);
      }
    }
    expect(version(join(clone, "examples/dataplane-plugin-tables"))).toBe(exampleBefore);
    expect(existsSync(join(clone, "examples/dataplane-plugin-tables/CHANGELOG.md"))).toBe(false);
    expect(
      readdirSync(join(clone, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md"),
    ).toEqual([]);
  }, 120_000);
});
