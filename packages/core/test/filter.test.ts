import { describe, expect, it } from "vitest";
import { createItemFilter, type DataPlaneItem, filterSteps, type ReplicationSteps } from "../src/index.js";

// --include / --exclude on item keys: pure logic, so plain values here; the CLI tests run the
// same filters against the emulators.

const STORAGE = {
  itemKinds: ["container", "blob", "share", "directory", "file"],
  itemHolders: { container: ["blob"], share: ["directory", "file"], directory: ["directory", "file"] },
};
const VAULT = { itemKinds: ["secret", "key", "certificate", "certificate-issuer", "certificate-contacts"] };

function kept(keys: string[], include: string[], exclude: string[], plugin: typeof VAULT): string[] {
  const filter = createItemFilter({ include, exclude })!.forPlugin(plugin);
  return keys.filter((k) => filter.accepts(k));
}

const account = [
  "container/logs",
  "container/images",
  "blob/logs/2024/01.json",
  "blob/logs/2024/02.tmp",
  "blob/logs/readme.md",
  "blob/images/a.png",
  "share/s",
  "directory/s/projects",
  "directory/s/projects/alpha",
  "directory/s/archive",
  "file/s/projects/alpha/notes.md",
  "file/s/welcome.txt",
];
const vault = [
  "secret/app-db",
  "secret/app-api",
  "secret/other",
  "key/app-signing",
  "certificate/web",
  "certificate-contacts",
];

describe("item filters", () => {
  it("without patterns there is no filter", () => {
    expect(createItemFilter({})).toBeUndefined();
  });

  it("includes keep what they match and the containers and folders on the way, nothing else", () => {
    expect(kept(account, ["blob/logs/2024/**"], [], STORAGE)).toEqual([
      "container/logs",
      "blob/logs/2024/01.json",
      "blob/logs/2024/02.tmp",
    ]);
    expect(kept(account, ["file/s/projects/**"], [], STORAGE)).toEqual([
      "share/s",
      "directory/s/projects",
      "directory/s/projects/alpha",
      "file/s/projects/alpha/notes.md",
    ]);
    // a pattern that can reach any depth keeps every container (they may hold a match), and
    // nothing of the file shares
    expect(kept(account, ["blob/**/*.json"], [], STORAGE)).toEqual([
      "container/logs",
      "container/images",
      "blob/logs/2024/01.json",
    ]);
    expect(kept(account, ["file/**/*.md"], [], STORAGE)).toEqual([
      "share/s",
      "directory/s/projects",
      "directory/s/projects/alpha",
      "directory/s/archive",
      "file/s/projects/alpha/notes.md",
    ]);
    expect(kept(vault, ["secret/app-*"], [], VAULT)).toEqual(["secret/app-db", "secret/app-api"]);
    expect(kept(vault, ["*/app-*"], [], VAULT)).toEqual([
      "secret/app-db",
      "secret/app-api",
      "key/app-signing",
    ]);
  });

  it("excludes win over includes and match whole keys", () => {
    expect(kept(account, ["blob/logs/**"], ["blob/**/*.tmp"], STORAGE)).toEqual([
      "container/logs",
      "blob/logs/2024/01.json",
      "blob/logs/readme.md",
    ]);
    expect(kept(vault, [], ["secret/*", "certificate*/**"], VAULT)).toEqual([
      "key/app-signing",
      "certificate-contacts",
    ]);
  });

  it("a pattern counts only for the plugins whose kinds it names", () => {
    // a storage run with a vault pattern: everything is out (includes say "only these")
    expect(kept(account, ["secret/app-*"], [], STORAGE)).toEqual([]);
    // a vault run with a blob pattern: no secret kept as a "container on the way"
    expect(kept(vault, ["blob/**", "secret/other"], [], VAULT)).toEqual(["secret/other"]);
    const filter = createItemFilter({ include: ["secrets/*", "blob/**"], exclude: ["key/*"] })!;
    expect(filter.strayPatterns(VAULT.itemKinds)).toEqual(["secrets/*", "blob/**"]);
    expect(filter.strayPatterns([...VAULT.itemKinds, ...STORAGE.itemKinds])).toEqual(["secrets/*"]);
  });

  it("refuses a pattern that is not <kind>/<name>", () => {
    expect(() => createItemFilter({ include: ["db-*"] })).toThrow(
      /--include "db-\*" is not <kind>\/<name pattern>/,
    );
    expect(() => createItemFilter({ exclude: ["secret/"] })).toThrow(/--exclude "secret\/"/);
  });

  it("wraps a plugin's source and target listings alike, and leaves every other step as it is", async () => {
    type Item = DataPlaneItem;
    const item = (key: string): Item => ({
      kind: key.slice(0, key.indexOf("/")),
      key,
      name: key,
      properties: {},
      sourceResourceId: "s",
    });
    const steps: ReplicationSteps<Item, { id: string }> = {
      async *listSource() {
        yield* ["secret/app-1", "secret/x"].map(item);
      },
      async *listTarget() {
        yield* [{ id: "secret/app-2" }, { id: "secret/y" }];
      },
      targetKey: (t) => t.id,
      plan: () => ({ action: "create" }),
      apply: async () => undefined,
      defaultConcurrency: 7,
    };
    const filtered = filterSteps(steps, createItemFilter({ include: ["secret/app-*"] })!);
    const ctx = {} as Parameters<typeof steps.listSource>[1];
    const source: string[] = [];
    for await (const s of filtered.listSource(undefined, ctx)) source.push(s.key);
    const target: string[] = [];
    for await (const t of filtered.listTarget(undefined, ctx)) target.push(t.id);
    expect(source).toEqual(["secret/app-1"]);
    expect(target).toEqual(["secret/app-2"]);
    expect(filtered.defaultConcurrency).toBe(7);
    expect(filtered.plan).toBe(steps.plan);
  });
});
