// The README's examples run as written: every ```ts example block is imported as a module, with
// "@dataplane/azure" pointed at the package sources, against Azurite.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, ".docs-examples");

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

it("README examples run as written and print what their comments say", async () => {
  const text = await readFile(join(here, "..", "README.md"), "utf8");
  const examples = [...text.matchAll(/```ts example\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  expect(examples).toHaveLength(2);
  await mkdir(scratch, { recursive: true });
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    for (const [index, source] of examples.entries()) {
      const file = join(scratch, `readme-${index}.ts`);
      await writeFile(file, source.replaceAll('"@dataplane/azure"', '"../../src/index.js"'));
      await import(file);
    }
    expect(log.mock.calls).toEqual([["hello.txt"], ["blue"]]);
  } finally {
    log.mockRestore();
  }
});
