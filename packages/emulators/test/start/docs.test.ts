// The examples in the user docs run as written: every ```ts example block of docs/azurite.md,
// docs/files.md and docs/start.md is imported as a module, with "@dataplane/emulators" pointed at
// the package sources.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..", "..");
const scratch = join(here, ".docs-examples");

async function examplesOf(doc: string): Promise<string[]> {
  const text = await readFile(join(packageDir, doc === "README.md" ? "" : "docs", doc), "utf8");
  return [...text.matchAll(/```ts example\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Values the examples' comments promise, checked against what they print. */
const promised: Record<string, unknown[][]> = {
  "azurite.md": [["not really a cat"], [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/srcaccount$/)]],
  "files.md": [["file", "q1.csv"], ["month,total\njan,1\n"], [4]],
  "start.md": [[expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/$/)]],
  "README.md": [[true]],
};

describe.each(["azurite.md", "files.md", "start.md", "README.md"])("docs/%s", (doc) => {
  it("has examples that run as written", async () => {
    const examples = await examplesOf(doc);
    expect(examples.length).toBeGreaterThan(0);
    await mkdir(scratch, { recursive: true });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      for (const [index, source] of examples.entries()) {
        const file = join(scratch, `${doc.replace(".md", "")}-${index}.ts`);
        await writeFile(file, source.replaceAll('"@dataplane/emulators"', '"../../../src/index.js"'));
        await import(file);
      }
      for (const call of promised[doc] ?? []) expect(log.mock.calls).toContainEqual(call);
    } finally {
      log.mockRestore();
    }
  });
});
