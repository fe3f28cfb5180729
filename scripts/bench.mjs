#!/usr/bin/env node
// `pnpm bench`: runs every package's `bench` script and prints one table of ratios
// (ours / raw-SDK baseline, measured in the same run) and peak memory. Figures are printed,
// never asserted: the machines are noisy.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv.slice(2);

function packagesWithBench() {
  const found = [];
  for (const group of ["packages", "examples"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const pkgPath = join(dir, name, "package.json");
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
      if (pkg.scripts?.bench && (only.length === 0 || only.some((o) => pkg.name.includes(o)))) {
        found.push({ name: pkg.name, dir: join(dir, name) });
      }
    }
  }
  return found;
}

function run(pkg) {
  return new Promise((resolve) => {
    const rows = [];
    const child = spawn("pnpm", ["run", "--silent", "bench"], {
      cwd: pkg.dir,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith("BENCH ")) {
          try {
            rows.push(JSON.parse(line.slice(6)));
          } catch {
            process.stdout.write(`${line}\n`);
          }
        } else {
          process.stdout.write(`${line}\n`);
        }
        nl = buffer.indexOf("\n");
      }
    });
    child.on("close", (code) => resolve({ rows, code }));
  });
}

const fmt = (n, digits = 2) => (typeof n === "number" && Number.isFinite(n) ? n.toFixed(digits) : "-");

const all = [];
let failed = false;
for (const pkg of packagesWithBench()) {
  console.log(`\n== ${pkg.name} ==`);
  const { rows, code } = await run(pkg);
  if (code !== 0) {
    failed = true;
    console.log(`(${pkg.name} bench exited with ${code})`);
  }
  all.push(...rows.map((r) => ({ package: pkg.name, ...r })));
}

const headers = ["package", "benchmark", "ours (s)", "baseline (s)", "ratio", "target", "peak RSS (MB)"];
const table = all.map((r) => [
  r.package,
  r.name,
  fmt(r.ours_s),
  fmt(r.baseline_s),
  fmt(r.ratio),
  r.target ?? "-",
  fmt(r.peak_rss_mb, 0),
]);
const widths = headers.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
console.log(`\n${line(headers)}\n${line(widths.map((w) => "-".repeat(w)))}`);
for (const row of table) console.log(line(row));
if (all.length === 0) console.log("(no benchmark results)");
process.exitCode = failed ? 1 : 0;
