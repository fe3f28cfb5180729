#!/usr/bin/env node
// The command's entry point. First, before anything else is loaded, the process replaces itself
// with V8's young generation bounded (see "Memory" in the README); then the program is loaded.
import { relaunchWithMemoryFlags } from "@dataplane/core/launch";

relaunchWithMemoryFlags();

const { runCli } = await import("./program.js");
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
