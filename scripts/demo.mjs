#!/usr/bin/env node
// The main job on the embedded default, with no Azure account: start the local emulators,
// seed a source vault and a source storage account, then run the installed plugins through
// the CLI: plugins → discover → generate → replicate (dry run, then for real) → verify (a
// second run finds nothing to do). Everything lands in .dataplane/demo.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describeEmulators, startEmulators, writeEmulatorFiles } from "@dataplane/emulators";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/cli/dist/bin.js");
const work = join(root, ".dataplane/demo");
const rel = (p) => relative(root, p);

function dataplane(...args) {
  console.log(`\n$ dataplane ${args.join(" ")}`);
  return new Promise((resolve, reject) => {
    // emulators run in this process: the CLI must run beside it, never blocking it
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`dataplane ${args[0]} exited with ${code}`)),
    );
  });
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
console.log("starting the emulators and seeding the source vault and storage account…");
const started = await startEmulators({ seed: true });
let failure;
try {
  const files = await writeEmulatorFiles(join(work, "emulators"), started);
  process.stdout.write(describeEmulators(started));
  const config = rel(files.config);
  const r = files.resources;
  await dataplane("plugins");
  await dataplane("discover", rel(r.sourceVault), "--config", config, "--verbose");
  await dataplane("discover", rel(r.sourceStorage), "--config", config, "--verbose");
  await dataplane(
    "generate",
    rel(r.sourceVault),
    "--config",
    config,
    "--out",
    rel(join(work, "terraform/vault")),
  );
  await dataplane(
    "generate",
    rel(r.sourceStorage),
    "--config",
    config,
    "--out",
    rel(join(work, "terraform/storage")),
  );
  const mapping = join(work, "mapping.json");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(
    mapping,
    JSON.stringify({ "source-vault": "target-vault", srcaccount: "dstaccount" }, null, 2),
  );
  const bulk = [
    "--resources",
    rel(r.all),
    "--mapping",
    rel(mapping),
    "--config",
    config,
    "--checkpoint",
    rel(join(work, "checkpoints")),
  ];
  await dataplane("replicate", ...bulk, "--dry-run");
  await dataplane("replicate", ...bulk, "--report", rel(join(work, "report.json")), "--verify");
  console.log("\nverify: a second run must find nothing to do");
  await dataplane("replicate", ...bulk, "--dry-run");
  console.log(
    `\ndone: Terraform in ${rel(join(work, "terraform"))}, the report in ${rel(join(work, "report.json"))}`,
  );
} catch (error) {
  failure = error;
} finally {
  await started.stop();
}
if (failure) {
  console.error(`demo failed: ${failure.message}`);
  process.exitCode = 1;
}
