import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compareUtf8,
  createSession,
  type DataPlaneItem,
  FileJournal,
  formatShard,
  type ItemOutcome,
  isDataplaneError,
  listRange,
  type PlanDecision,
  parseShard,
  type ReplicationSteps,
  SecretRedactor,
  type SideAccess,
} from "../src/index.js";

// Pure-logic tests of the streaming engine (merge-join, watermark checkpoints) over an
// in-memory "service" that lists in UTF-8 order, as Blob Storage does.

type Item = DataPlaneItem<"thing", { value: string }>;

const item = (name: string, value: string): Item => ({
  kind: "thing",
  key: `thing/${name}`,
  name,
  properties: { value },
  sourceResourceId: "/src",
});

const utf8Sorted = (names: Iterable<string>) =>
  [...names].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));

const access = (side: "source" | "target"): SideAccess => ({ side });
const info = { plugin: "fake", sourceResourceId: "/src", targetResourceId: "/dst" };

/** A random generator with a seed, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters whose UTF-16 order differs from their UTF-8 order (U+E000…U+FFFF against emoji),
// CJK, `~` and plain ASCII.
const ALPHABET = [
  "a",
  "b",
  "Z",
  "0",
  "~",
  "-",
  "/",
  ".",
  "日",
  "本",
  "語",
  "😀",
  "🎉",
  "\uFF5E",
  "\uE000",
  "ß",
  " ",
];

function randomName(next: () => number): string {
  const length = 1 + Math.floor(next() * 4);
  let name = "";
  for (let i = 0; i < length; i++) name += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return name;
}

class Store {
  readonly data = new Map<string, string>();
  readonly writes = new Map<string, number>();
  planned = new Set<string>();
}

function steps(
  source: Map<string, string>,
  target: Store,
  extra: Partial<ReplicationSteps<Item, Item>> = {},
  order: "utf8" | "utf16" = "utf8",
): ReplicationSteps<Item, Item> {
  // keys are "thing/<name>": sorting names sorts keys
  const sort = (names: Iterable<string>) => (order === "utf8" ? utf8Sorted(names) : [...names].sort());
  return {
    sorted: () => (order === "utf8" ? true : "utf16"),
    async *listSource() {
      for (const name of sort(source.keys())) yield item(name, source.get(name)!);
    },
    async *listTarget() {
      for (const name of sort(target.data.keys())) yield item(name, target.data.get(name)!);
    },
    plan(s, t): PlanDecision {
      target.planned.add(s.name);
      if (!t) return { action: "create" };
      if (t.properties.value === s.properties.value) return { action: "skip-unchanged" };
      if (t.properties.value.startsWith("ours:")) return { action: "update", reason: "source changed" };
      return { action: "conflict", reason: "target holds a different value" };
    },
    async apply(action) {
      target.writes.set(action.source.name, (target.writes.get(action.source.name) ?? 0) + 1);
      target.data.set(action.source.name, action.source.properties.value);
      return undefined;
    },
    ...extra,
  };
}

describe("UTF-8 order", () => {
  it("compareUtf8 orders as the UTF-8 bytes do, where UTF-16 order differs", () => {
    const next = random(7);
    for (let i = 0; i < 5000; i++) {
      const a = randomName(next);
      const b = randomName(next);
      expect(Math.sign(compareUtf8(a, b)), `${a} vs ${b}`).toBe(
        Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))),
      );
    }
    // the case the UTF-16 comparison gets wrong
    expect("\uFF5E" < "😀").toBe(false);
    expect(compareUtf8("\uFF5E", "😀")).toBeLessThan(0);
  });
});

describe("merge-join", () => {
  it("plans exactly as the map did: create, update, skip and conflict on randomized listings, in UTF-8 and UTF-16 order", async () => {
    for (let round = 0; round < 12; round++) {
      const next = random(100 + round);
      const order = round % 2 === 0 ? "utf8" : "utf16";
      const source = new Map<string, string>();
      const initial = new Map<string, string>();
      for (let i = 0; i < 300; i++) {
        const name = randomName(next);
        const r = next();
        if (r < 0.7) source.set(name, `v${Math.floor(next() * 3)}`);
        if (r > 0.4) {
          const t = next();
          initial.set(name, t < 0.4 ? `v${Math.floor(next() * 3)}` : t < 0.7 ? "ours:old" : "theirs");
        }
      }
      const outcomes: Record<string, Map<string, string>> = {};
      const plans: Record<string, unknown> = {};
      for (const join of ["auto", "map"] as const) {
        const store = new Store();
        for (const [k, v] of initial) store.data.set(k, v);
        const seen = new Map<string, string>();
        const ctx = createSession({ governor: { baseDelayMs: 1 } }).replicateContext(
          access("source"),
          access("target"),
          {
            join,
            maxInFlight: 8,
            onOutcome: (_run, o: ItemOutcome) => seen.set(o.key, `${o.status}:${o.action ?? ""}`),
          },
        );
        const result = await ctx.engine.run(steps(source, store, {}, order), info);
        expect(result.success).toBe(true);
        outcomes[join] = seen;
        plans[join] = result.plan;
        expect(seen.size).toBe(source.size);
      }
      expect(outcomes.auto).toEqual(outcomes.map);
      expect(plans.auto).toEqual(plans.map);
    }
  });

  it("refuses a listing that breaks the order, naming both keys, before planning past it", async () => {
    // in UTF-8 order U+FF5E sorts before an emoji; in UTF-16 order after it
    for (const [declared, listed] of [
      [true, ["thing/😀", "thing/\uFF5E"]],
      ["utf16", ["thing/\uFF5E", "thing/😀"]],
    ] as const) {
      const store = new Store();
      const ctx = createSession().replicateContext(access("source"), access("target"));
      const result = await ctx.engine.run(
        {
          ...steps(new Map(), store),
          sorted: () => declared,
          async *listSource() {
            for (const key of listed) yield item(key.slice(6), "1");
          },
        },
        info,
      );
      expect(result.errors.map((e) => e.code)).toContain("DP_LISTING_ORDER");
    }
    for (const side of ["source", "target"] as const) {
      const store = new Store();
      const names = ["a", "b", "c", "d"];
      const listed = ["a", "c", "b", "d"];
      for (const n of names) store.data.set(n, "1");
      const s = steps(new Map(names.map((n) => [n, "2"])), store);
      const unsorted: Partial<ReplicationSteps<Item, Item>> =
        side === "source"
          ? {
              async *listSource() {
                for (const n of listed) yield item(n, "2");
              },
            }
          : {
              async *listTarget() {
                for (const n of listed) yield item(n, "1");
              },
            };
      const ctx = createSession({ governor: { baseDelayMs: 1 } }).replicateContext(
        access("source"),
        access("target"),
        { maxInFlight: 1 },
      );
      const result = await ctx.engine.run({ ...s, ...unsorted }, info);
      expect(result.success).toBe(false);
      const text = [...result.errors.map((e) => `${e.code} ${e.message}`), ...result.warnings].join("\n");
      expect(text).toMatch(/DP_LISTING_ORDER/);
      expect(text).toContain(`${side} listing`);
      expect(text).toContain('"thing/b" listed after "thing/c"');
      expect(store.planned.has("d")).toBe(false);
    }
  });

  it("keeps the target listing out of memory: only what the source has reached is read", async () => {
    const store = new Store();
    for (let i = 0; i < 1000; i++) store.data.set(`n${String(i).padStart(4, "0")}`, "1");
    let read = 0;
    let maxAhead = 0;
    let sourced = 0;
    const source = new Map([...store.data.keys()].map((k) => [k, "1"]));
    const s = steps(source, store, {
      async *listSource() {
        for (const name of utf8Sorted(source.keys())) {
          sourced++;
          yield item(name, "1");
        }
      },
      async *listTarget() {
        for (const name of utf8Sorted(store.data.keys())) {
          read++;
          maxAhead = Math.max(maxAhead, read - sourced);
          yield item(name, "1");
        }
      },
    });
    const ctx = createSession().replicateContext(access("source"), access("target"));
    const result = await ctx.engine.run(s, info);
    expect(result.counts.unchanged).toBe(1000);
    expect(maxAhead).toBeLessThanOrEqual(1);
  });
});

describe("phases", () => {
  it("stream in ascending order without being held back, and a phase going down fails the partition", async () => {
    const phaseOf = (i: Item) => i.name.split("/").length;
    const applied: string[] = [];
    let maxAhead = 0;
    let listed = 0;
    const names = ["a", "b", "a/x", "b/y", "a/x/1", "a/x/2", "b/y/3"];
    const run = (order: string[]) => {
      const store = new Store();
      return createSession()
        .replicateContext(access("source"), access("target"), { maxInFlight: 4 })
        .engine.run(
          {
            ...steps(new Map(order.map((n) => [n, "1"])), store),
            sorted: () => false,
            async *listSource() {
              for (const n of order) {
                listed++;
                yield item(n, "1");
              }
            },
            phase: phaseOf,
            async apply(action) {
              maxAhead = Math.max(maxAhead, listed - applied.length);
              await new Promise((r) => setTimeout(r, 2));
              applied.push(action.source.name);
              return undefined;
            },
          },
          info,
        );
    };
    const ok = await run(names);
    expect(ok.counts.created).toBe(7);
    for (const n of names) {
      const parent = n.split("/").slice(0, -1).join("/");
      if (parent) expect(applied.indexOf(parent), n).toBeLessThan(applied.indexOf(n));
    }
    // never more listed than in flight (4) plus the item waiting for its phase
    expect(maxAhead).toBeLessThanOrEqual(5);
    applied.length = 0;
    listed = 0;
    const bad = await run(["a", "a/x", "b"]);
    expect(bad.errors.map((e) => `${e.code} ${e.message}`).join("\n")).toMatch(
      /DP_PLUGIN_INVALID .*listed thing\/b \(phase 1\) after items of phase 2/,
    );
  });
});

describe("compact checkpoints", () => {
  const identity = { plugin: "p", source: "/s", target: "/t", mode: "replication", shard: "1/1" };
  const redactor = new SecretRedactor();

  it("a watermark covers finished items in listing order; out-of-order and failed items are kept apart", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-watermark-"));
    const path = join(dir, "j.jsonl");
    const journal = FileJournal.open(path, identity, { resume: false, redactor });
    const part = journal.partition("c1", "utf8");
    const keys = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(5, "0")}`);
    for (const k of keys) part.started(k);
    // all but k00010 (failed) and k02400 (still in flight) finish, k02401… settle before it
    for (const k of keys) {
      if (k === "k02400") continue;
      if (k !== "k00010") journal.record({ key: k, status: "created", fingerprint: "f" });
      part.settled(k);
    }
    journal.close(); // a kill: k02400 never settled
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines.some((l) => l.includes('"w":"k01999"') || l.includes('"w":"k0'))).toBe(true);

    const resumed = FileJournal.open(path, identity, { resume: true, redactor });
    const view = resumed.partition("c1", "utf8");
    expect(view.isDone("k00000")).toBe(true);
    expect(view.isDone("k00010")).toBe(false); // failed: redone
    expect(view.isDone("k02399")).toBe(true);
    expect(view.isDone("k02400")).toBe(false); // in flight at the kill
    expect(view.isDone("k02401", "f")).toBe(true); // finished above the watermark
    expect(view.isDone("k02401", "changed")).toBe(false);
    expect(view.isDone("k09999")).toBe(false);
    expect(resumed.resumedCount).toBe(2498);
    resumed.close();
    // compacted: a watermark, one failed item and the finished items above the watermark
    const compacted = readFileSync(path, "utf8").trim().split("\n");
    expect(compacted.length).toBeLessThan(600);
    expect(compacted.length).toBeLessThan(lines.length / 4);
  });

  it("a complete partition is one line, and the journal does not grow across resumes", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-complete-"));
    const path = join(dir, "j.jsonl");
    let sizes: number[] = [];
    for (let run = 0; run < 3; run++) {
      const journal = FileJournal.open(path, identity, { resume: run > 0, redactor });
      const part = journal.partition("vault-secrets", undefined);
      for (let i = 0; i < 500; i++) {
        const k = `s${i}`;
        if (part.isDone(k)) continue;
        part.started(k);
        journal.record({ key: k, status: "created" });
        part.settled(k);
      }
      part.listed();
      journal.close();
      sizes = [...sizes, readFileSync(path, "utf8").length];
    }
    // the first file holds 500 item lines; the resumed ones only the compact state
    expect(sizes[1]!).toBeLessThan(sizes[0]! / 10);
    expect(sizes[2]!).toBeLessThanOrEqual(sizes[1]!);
  });

  it("an unreadable journal is named, with the two ways on", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-garbage-"));
    for (const content of [
      "\u0000\u0001garbage\n",
      "not json at all",
      '["an array"]\n',
      '{"k":"x","s":"created"}\n',
      "",
    ]) {
      const path = join(dir, "j.jsonl");
      writeFileSync(path, content);
      let error: unknown;
      try {
        FileJournal.open(path, identity, { resume: true, redactor });
      } catch (e) {
        error = e;
      }
      expect(isDataplaneError(error) && error.code).toBe("DP_CHECKPOINT_INVALID");
      const message = `${(error as Error).message} ${(error as { hint?: string }).hint}`;
      expect(message).toContain(path);
      expect(message).toMatch(/cannot be read/);
      expect(message).toMatch(/without --resume/);
      expect(message).toMatch(/move the file away/);
      expect(message).not.toMatch(/undefined/);
    }
  });
});

describe("kill at a random point, then resume", () => {
  it("every item exactly once: 5,000 items at 64 in flight, the journal cut where a SIGKILL would leave it", async () => {
    const N = 5000;
    const source = new Map(Array.from({ length: N }, (_, i) => [`item-${String(i).padStart(5, "0")}`, "v1"]));
    const dir = mkdtempSync(join(tmpdir(), "dp-kill-"));
    for (let trial = 0; trial < 4; trial++) {
      const next = random(900 + trial);
      const path = join(dir, `run-${trial}.jsonl`);
      const killAt = Math.floor(200 + next() * (N - 400));
      const s = createSession({ governor: { baseDelayMs: 1 } });
      const open = (file: string, resume: boolean) =>
        s.replicateContext(access("source"), access("target"), {
          maxInFlight: 64,
          checkpoint: (id) => FileJournal.open(file, id, { resume, redactor: s.redactor }),
        });
      const first = new Store();
      // What a SIGKILL leaves: the journal's bytes and the target's state at one instant, the
      // journal's last line possibly cut in the middle.
      let snapshot: { journal: string; target: Map<string, string> } | undefined;
      let applied = 0;
      const firstSteps = steps(source, first, {
        async apply(action) {
          await new Promise((r) => setTimeout(r, Math.floor(next() * 3)));
          first.data.set(action.source.name, action.source.properties.value);
          first.writes.set(action.source.name, 1);
          if (++applied === killAt && !snapshot) {
            const bytes = readFileSync(path, "utf8");
            const cut = bytes.length - Math.floor(next() * 40);
            snapshot = {
              journal: bytes.slice(0, Math.max(cut, bytes.indexOf("\n") + 1)),
              target: new Map(first.data),
            };
          }
          return undefined;
        },
      });
      await open(path, false).engine.run(firstSteps, info);
      expect(snapshot).toBeDefined();
      const killed = join(dir, `killed-${trial}.jsonl`);
      writeFileSync(killed, snapshot!.journal);
      copyFileSync(killed, `${killed}.orig`);

      const second = new Store();
      for (const [k, v] of snapshot!.target) second.data.set(k, v);
      const result = await open(killed, true).engine.run(steps(source, second), info);
      expect(result.counts.failed).toBe(0);
      // every item is in the target, and nothing already there was written again
      expect(second.data.size).toBe(N);
      for (const name of snapshot!.target.keys()) expect(second.writes.has(name), name).toBe(false);
      expect(second.writes.size).toBe(N - snapshot!.target.size);
      expect(result.counts.created).toBe(N - snapshot!.target.size);
      // items the journal had finished were not even planned again
      const journaled = snapshot!.journal
        .split("\n")
        .filter((l) => l.includes('"k":"thing/'))
        .map((l) => {
          try {
            return (JSON.parse(l) as { k: string }).k.slice("thing/".length);
          } catch {
            return undefined;
          }
        })
        .filter((k): k is string => k !== undefined);
      for (const name of journaled) expect(second.planned.has(name), name).toBe(false);
      expect(result.counts.resumed).toBeGreaterThanOrEqual(journaled.length);

      // a resume of the finished run: everything done, nothing planned, a journal of a few lines
      const third = new Store();
      for (const [k, v] of second.data) third.data.set(k, v);
      const again = await open(killed, true).engine.run(steps(source, third), info);
      expect(again.counts.resumed).toBe(N);
      expect(third.planned.size).toBe(0);
      expect(readFileSync(killed, "utf8").trim().split("\n").length).toBeLessThan(10);
    }
  }, 120_000);
});

describe("range shards", () => {
  /** An in-memory name space listed as Blob Storage does (UTF-8 order, "/" levels), counting items read. */
  function space(names: string[]) {
    const sorted = utf8Sorted(names);
    let listed = 0;
    const lister = {
      async *level(prefix: string) {
        const seen = new Set<string>();
        for (const name of sorted) {
          if (!name.startsWith(prefix)) continue;
          const slash = name.indexOf("/", prefix.length);
          if (slash < 0) {
            listed++;
            yield { name, item: name };
          } else {
            const directory = name.slice(0, slash + 1);
            if (!seen.has(directory)) {
              seen.add(directory);
              yield { directory };
            }
          }
        }
      },
      async *flat(prefix: string) {
        for (const name of sorted) {
          if (!name.startsWith(prefix)) continue;
          listed++;
          yield name;
        }
      },
    };
    return { lister, listed: () => listed };
  }

  const next = random(4242);
  const flat = Array.from(new Set(Array.from({ length: 3000 }, () => randomName(next) + randomName(next))));
  const hierarchical = Array.from(
    new Set(
      Array.from(
        { length: 3000 },
        (_, i) => `${randomName(next)}/${i % 7 === 0 ? "" : `${randomName(next)}/`}${randomName(next)}-${i}`,
      ),
    ),
  ).concat(["root-file", "日本-root", "😀-root"]);

  for (const [label, names] of [
    ["flat names (character prefixes)", flat],
    ["hierarchical names (/)", hierarchical],
  ] as const) {
    it(`cover ${label} exactly once for n = 1..8, each part in UTF-8 order`, async () => {
      for (let n = 1; n <= 8; n++) {
        const seen = new Map<string, number>();
        let listed = 0;
        for (let k = 1; k <= n; k++) {
          const { lister, listed: count } = space(names);
          const part: string[] = [];
          for await (const name of listRange<string>({ index: k, count: n, by: "range" }, lister))
            part.push(name);
          expect(part).toEqual(utf8Sorted(part));
          for (const name of part) seen.set(name, (seen.get(name) ?? 0) + 1);
          listed += count();
          if (n === 1) expect(part.length).toBe(names.length);
        }
        expect(seen.size).toBe(names.length);
        expect([...seen.values()].every((c) => c === 1)).toBe(true);
        // items read across all workers: once each, plus the root level's items read again by the
        // worker of the residual unit
        const root = names.filter((name) => !name.includes("/")).length;
        expect(listed).toBeLessThanOrEqual(names.length + (n > 1 ? root : 0));
        if (label.startsWith("hierarchical")) expect(listed / names.length).toBeLessThan(1.01);
      }
    });
  }

  it("parses range:k/n and keeps k/n a hash shard", () => {
    expect(parseShard("range:2/4")).toEqual({ index: 2, count: 4, by: "range" });
    expect(formatShard(parseShard("range:2/4"))).toBe("range:2/4");
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(() => parseShard("range:5/4")).toThrow(/invalid --shard/);
  });
});

describe("mirror mode (--delete-extraneous)", () => {
  const mirrorSteps = (source: Map<string, string>, store: Store, order: "utf8" | "utf16" = "utf8") =>
    steps(
      source,
      store,
      {
        async remove(t) {
          store.data.delete(t.name);
          store.writes.set(`-${t.name}`, (store.writes.get(`-${t.name}`) ?? 0) + 1);
          return undefined;
        },
      },
      order,
    );

  it("removes what the source does not have, exactly as the map does, and a dry run only plans it", async () => {
    const next = random(31337);
    const source = new Map<string, string>();
    const initial = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const name = randomName(next) + randomName(next);
      if (next() < 0.6) source.set(name, "v");
      if (next() < 0.6) initial.set(name, "v");
    }
    const extraneous = [...initial.keys()].filter((k) => !source.has(k));
    expect(extraneous.length).toBeGreaterThan(50);
    const fill = () => {
      const store = new Store();
      for (const [k, v] of initial) store.data.set(k, v);
      return store;
    };
    const dry = fill();
    const dryRun = await createSession()
      .replicateContext(access("source"), access("target"), { dryRun: true, deleteExtraneous: true })
      .engine.run(mirrorSteps(source, dry), info);
    expect(dry.data).toEqual(fill().data);
    expect(dryRun.plan.thing?.delete).toBe(extraneous.length);
    expect(dryRun.counts.deleted).toBe(0);

    for (const join of ["auto", "map"] as const) {
      const store = fill();
      const result = await createSession()
        .replicateContext(access("source"), access("target"), {
          join,
          deleteExtraneous: true,
          maxInFlight: 8,
        })
        .engine.run(mirrorSteps(source, store, join === "auto" ? "utf16" : "utf8"), info);
      expect(result.counts.deleted).toBe(extraneous.length);
      expect(new Set(store.data.keys())).toEqual(new Set(source.keys()));
      for (const k of extraneous) expect(store.writes.get(`-${k}`)).toBe(1);
    }
    // never the default
    const store = fill();
    const plain = await createSession()
      .replicateContext(access("source"), access("target"))
      .engine.run(mirrorSteps(source, store), info);
    expect(plain.counts.deleted).toBe(0);
    for (const k of extraneous) expect(store.data.has(k)).toBe(true);
  });

  it("respects shards and filters: each extraneous item removed once, none outside the filter", async () => {
    const source = new Map(Array.from({ length: 100 }, (_, i) => [`keep-${i}`, "v"]));
    const store = new Store();
    for (let i = 0; i < 100; i++) store.data.set(`keep-${i}`, "v");
    for (let i = 0; i < 60; i++) store.data.set(`gone-${i}`, "v");
    for (let i = 0; i < 10; i++) store.data.set(`other-${i}`, "v");
    // a name filter wraps both listings identically (as --names does): "other-*" is outside it
    const filtered = (s: ReplicationSteps<Item, Item>): ReplicationSteps<Item, Item> => ({
      ...s,
      async *listSource(p, ctx) {
        for await (const i of s.listSource(p, ctx)) if (!i.name.startsWith("other-")) yield i;
      },
      async *listTarget(p, ctx) {
        for await (const t of s.listTarget(p, ctx)) if (!t.name.startsWith("other-")) yield t;
      },
    });
    let deleted = 0;
    for (let k = 1; k <= 3; k++) {
      const result = await createSession()
        .replicateContext(access("source"), access("target"), {
          deleteExtraneous: true,
          shard: { index: k, count: 3 },
        })
        .engine.run(filtered(mirrorSteps(source, store)), info);
      deleted += result.counts.deleted;
    }
    expect(deleted).toBe(60);
    expect([...store.data.keys()].filter((k) => k.startsWith("gone-"))).toEqual([]);
    expect([...store.data.keys()].filter((k) => k.startsWith("other-"))).toHaveLength(10);
  });
});
