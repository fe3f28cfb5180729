#!/usr/bin/env node
// `pnpm release`: build, check every package (lint, types, tests are `pnpm test`; here:
// publint and @arethetypeswrong/cli), then a dry run of publishing each package whose version
// is not on the registry. Nothing is published from here: CI with a token runs
// `pnpm publish -r` after `pnpm version-packages` (changesets) has bumped versions and
// written the CHANGELOGs.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"]);
run(process.execPath, [join(root, "scripts/check-packages.mjs")]);
// examples/ are third parties' packages: they publish them, we do not
run("pnpm", [
  "publish",
  "-r",
  "--filter",
  "./packages/**",
  "--dry-run",
  "--no-git-checks",
  "--access",
  "public",
]);
