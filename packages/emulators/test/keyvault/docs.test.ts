// The examples in docs/keyvault.md run as written: every ```ts example block is imported as a
// module, with "@dataplane/emulators" pointed at the package sources.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, ".docs-examples");

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

it("docs/keyvault.md has examples that run as written and print what their comments promise", async () => {
  const text = await readFile(join(here, "..", "..", "docs", "keyvault.md"), "utf8");
  const examples = [...text.matchAll(/```ts example\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  expect(examples.length).toBeGreaterThan(0);
  await mkdir(scratch, { recursive: true });
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    for (const [index, source] of examples.entries()) {
      const file = join(scratch, `keyvault-${index}.ts`);
      await writeFile(file, source.replaceAll('"@dataplane/emulators"', '"../../../src/index.js"'));
      await import(file);
    }
    expect(log.mock.calls).toContainEqual(["s3cret"]);
    expect(log.mock.calls).toContainEqual([expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/$/)]);
    expect(log.mock.calls).toContainEqual([1]);
  } finally {
    log.mockRestore();
  }
});
