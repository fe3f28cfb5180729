#!/usr/bin/env node
// Every publishable package must be publishable: license, repository, files, an exports map
// with types, and clean publint and @arethetypeswrong/cli reports. Run by `pnpm test` (CI)
// and by `pnpm release`.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules/.bin", name);

function publishable() {
  const found = [];
  for (const group of ["packages", "examples"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const pkgPath = join(dir, name, "package.json");
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
      if (!pkg.private) found.push({ dir: join(dir, name), pkg });
    }
  }
  return found;
}

function hasTypes(exportsField) {
  if (!exportsField || typeof exportsField !== "object") return false;
  return Object.entries(exportsField).every(([key, target]) => {
    if (key.endsWith(".json")) return true;
    return typeof target === "object" && target !== null && typeof target.types === "string";
  });
}

const problems = [];
for (const { dir, pkg } of publishable()) {
  const where = relative(root, dir);
  for (const field of ["license", "repository", "files", "exports", "engines", "description"]) {
    if (!pkg[field]) problems.push(`${where}: package.json has no "${field}"`);
  }
  if (pkg.exports && !hasTypes(pkg.exports)) problems.push(`${where}: every "exports" entry needs "types"`);
  if (!existsSync(join(dir, "README.md"))) problems.push(`${where}: no README.md`);
  if (pkg.dataplane) {
    if (!pkg.exports?.["./dataplane-plugin"])
      problems.push(`${where}: a plugin must export "./dataplane-plugin"`);
    if (!pkg.peerDependencies?.["@dataplane/core"])
      problems.push(`${where}: a plugin must take @dataplane/core as a peer dependency`);
  }
  try {
    execFileSync(bin("publint"), ["run", "--strict", dir], { cwd: dir, stdio: "pipe" });
  } catch (error) {
    problems.push(`${where}: publint:\n${error.stdout?.toString() ?? ""}${error.stderr?.toString() ?? ""}`);
  }
  try {
    execFileSync(bin("attw"), ["--pack", ".", "--profile", "esm-only", "--format", "ascii"], {
      cwd: dir,
      stdio: "pipe",
    });
  } catch (error) {
    problems.push(
      `${where}: @arethetypeswrong/cli:\n${error.stdout?.toString() ?? ""}${error.stderr?.toString() ?? ""}`,
    );
  }
  console.log(`checked ${pkg.name}@${pkg.version}`);
}
if (problems.length > 0) {
  console.error(`\n${problems.join("\n")}`);
  process.exit(1);
}
