#!/usr/bin/env node
// The main job on the embedded default: local emulators, a seeded source, and
// discover → generate → replicate → verify with the installed plugins. No Azure account needed.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/cli/dist/bin.js");

function dataplane(...args) {
  console.log(`\n$ dataplane ${args.join(" ")}`);
  const run = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 2);
}

dataplane("plugins");
