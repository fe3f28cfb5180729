import { accessSync, constants, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DataplaneError, ErrorCodes } from "@dataplane/core";

function errnoText(code: string | undefined): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return code ?? "cannot write";
  }
}

/** The deepest part of `path` that exists (itself, or an ancestor). */
function existingAncestor(path: string): { path: string; isDirectory: boolean } {
  let current = path;
  for (;;) {
    try {
      const stat = statSync(current);
      return { path: current, isDirectory: stat.isDirectory() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") {
        // an ancestor is a regular file: keep climbing to find it
      } else if (code !== "ENOENT") throw error;
      const parent = dirname(current);
      if (parent === current) return { path: current, isDirectory: true };
      current = parent;
    }
  }
}

/**
 * Checks before anything is written that an output path can be written: a folder (`dir`) or a
 * file (`file`) at `path`, naming the flag, the path and the fix in one line (exit code 2).
 * Nothing is created: the deepest existing folder of the path is proved writable with a probe
 * file that is removed at once.
 */
export function checkOutputPath(flag: string, given: string, cwd: string, kind: "dir" | "file"): string {
  const path = resolve(cwd, given);
  const fail = (cause: string, fix: string): never => {
    throw new DataplaneError(ErrorCodes.InvalidInput, `${flag} ${given}: ${cause}`, { hint: fix });
  };
  const found = existingAncestor(path);
  if (found.path === path) {
    if (kind === "file" && found.isDirectory)
      fail("is a folder, not a file", `Give a file path, e.g. ${join(given, "report.json")}`);
    if (kind === "dir" && !found.isDirectory)
      fail("is a file, not a folder", "Give a folder path, or move the file away");
  } else if (!found.isDirectory) {
    fail(
      `${found.path} is a file, not a folder`,
      `Give a path whose folders are folders (not under the file ${found.path})`,
    );
  }
  const folder = found.path === path && kind === "file" ? dirname(path) : found.path;
  try {
    accessSync(folder, constants.W_OK);
    const probe = join(folder, `.dataplane-write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(
      `cannot write in ${folder} (${errnoText(code)})`,
      "Choose a folder you can write, or fix its permissions",
    );
  }
  return path;
}
