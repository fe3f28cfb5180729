import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  createSession,
  type DataPlaneItem,
  FileJournal,
  type PlanDecision,
  type ProgressEvent,
  type ReplicationSteps,
  type SideAccess,
} from "../src/index.js";

// Pure-logic tests of the engine over an in-memory "service"; the same engine runs against
// the emulators in the CLI and plugin suites.

type Item = DataPlaneItem<"thing", { value: string; depth: number }>;

function item(name: string, value: string, depth = 0): Item {
  return {
    kind: "thing",
    key: `thing/${name}`,
    name,
    properties: { value, depth },
    sourceResourceId: "/src",
  };
}

class FakeStore {
  readonly data = new Map<string, string>();
  writes = 0;
  failuresLeft = new Map<string, number>();
}

function steps(
  source: Item[],
  target: FakeStore,
  extra: Partial<ReplicationSteps<Item, Item>> = {},
): ReplicationSteps<Item, Item> {
  return {
    async *listSource() {
      yield* source;
    },
    async *listTarget() {
      for (const [name, value] of target.data) yield item(name, value);
    },
    plan(s, t): PlanDecision {
      if (s.name.startsWith("unsupported")) return { action: "skip-unsupported", reason: "not copyable" };
      if (!t) return { action: "create" };
      if (t.properties.value === s.properties.value) return { action: "skip-unchanged" };
      if (t.properties.value.startsWith("ours:")) return { action: "update", reason: "source changed" };
      return { action: "conflict", reason: "target holds a different value" };
    },
    async apply(action) {
      const left = target.failuresLeft.get(action.source.name) ?? 0;
      if (left > 0) {
        target.failuresLeft.set(action.source.name, left - 1);
        throw Object.assign(new Error("connection reset"), { code: "ECONNRESET" });
      }
      target.writes++;
      target.data.set(action.source.name, action.source.properties.value);
      return undefined;
    },
    ...extra,
  };
}

const access = (side: "source" | "target"): SideAccess => ({ side });
const info = { plugin: "fake", sourceResourceId: "/src", targetResourceId: "/dst" };

function session(events: ProgressEvent[] = []) {
  return createSession({
    progress: { emit: (e) => events.push(e) },
    governor: { baseDelayMs: 1, maxRetries: 5 },
  });
}

describe("engine: plan → apply", () => {
  it("creates, updates, skips and reports conflicts, counting only what happened", async () => {
    const target = new FakeStore();
    target.data.set("same", "1");
    target.data.set("stale", "ours:old");
    target.data.set("foreign", "theirs");
    const source = [
      item("new", "1"),
      item("same", "1"),
      item("stale", "2"),
      item("foreign", "3"),
      item("unsupported-x", "4"),
    ];
    const ctx = session().replicateContext(access("source"), access("target"));
    const result = await ctx.engine.run(steps(source, target), info);
    expect(result.counts).toEqual({
      discovered: 5,
      created: 1,
      updated: 1,
      skipped: 3,
      unchanged: 1,
      conflicts: 1,
      unsupported: 1,
      resumed: 0,
      deleted: 0,
      notFinished: 0,
      failed: 0,
    });
    expect(result.plan.thing).toEqual({
      create: 1,
      "skip-unchanged": 1,
      update: 1,
      conflict: 1,
      "skip-unsupported": 1,
    });
    expect(target.data.get("foreign")).toBe("theirs");
    expect(target.writes).toBe(2);
    expect(result.success).toBe(true);
  });

  it("applies the conflict policy: overwrite replaces, fail fails the item", async () => {
    for (const [policy, expected] of [
      ["overwrite", { value: "3", failed: 0, updated: 1 }],
      ["fail", { value: "theirs", failed: 1, updated: 0 }],
    ] as const) {
      const target = new FakeStore();
      target.data.set("foreign", "theirs");
      const ctx = session().replicateContext(access("source"), access("target"), { onConflict: policy });
      const result = await ctx.engine.run(steps([item("foreign", "3")], target), info);
      expect(target.data.get("foreign")).toBe(expected.value);
      expect(result.counts.failed).toBe(expected.failed);
      expect(result.counts.updated).toBe(expected.updated);
      if (policy === "fail") expect(result.errors[0]?.code).toBe("DP_CONFLICT");
    }
  });

  it("dry run plans everything and writes nothing", async () => {
    const target = new FakeStore();
    target.data.set("stale", "ours:old");
    const before = new Map(target.data);
    const ctx = session().replicateContext(access("source"), access("target"), { dryRun: true });
    const result = await ctx.engine.run(steps([item("a", "1"), item("stale", "2")], target), info);
    expect(target.writes).toBe(0);
    expect(target.data).toEqual(before);
    expect(result.plan.thing).toEqual({ create: 1, update: 1 });
    expect(result.counts.created + result.counts.updated).toBe(0);
  });

  it("retries transient failures (planning again first) and succeeds with zero failed items", async () => {
    const events: ProgressEvent[] = [];
    const target = new FakeStore();
    target.failuresLeft.set("flaky", 3);
    const ctx = session(events).replicateContext(access("source"), access("target"));
    const result = await ctx.engine.run(steps([item("flaky", "1")], target), info);
    expect(result.counts.failed).toBe(0);
    expect(result.counts.created).toBe(1);
    expect(target.writes).toBe(1);
    expect(events.filter((e) => e.type === "retried")).toHaveLength(3);
  });

  it("plans again against the target's current state when a write landed but its answer was lost", async () => {
    const target = new FakeStore();
    let lost = 1;
    const ctx = session().replicateContext(access("source"), access("target"));
    const result = await ctx.engine.run(
      steps([item("a", "1")], target, {
        async apply(action) {
          target.writes++;
          target.data.set(action.source.name, action.source.properties.value);
          if (lost-- > 0) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
          return undefined;
        },
        async readTarget(source) {
          const value = target.data.get(source.name);
          return value === undefined ? undefined : item(source.name, value);
        },
      }),
      info,
    );
    expect(target.writes).toBe(1);
    expect(result.counts).toMatchObject({ failed: 0, created: 1, skipped: 0 });
  });

  it("fails an item after bounded retries, with the error code, and goes on with the others", async () => {
    const target = new FakeStore();
    target.failuresLeft.set("broken", 100);
    const ctx = session().replicateContext(access("source"), access("target"));
    const result = await ctx.engine.run(steps([item("broken", "1"), item("fine", "2")], target), info);
    expect(result.counts).toMatchObject({ failed: 1, created: 1 });
    expect(result.errors[0]).toMatchObject({ key: "thing/broken", code: "ECONNRESET" });
    expect(result.success).toBe(false);
  });

  it("finishes lower phases before higher ones and lower stages before higher ones", async () => {
    const order: string[] = [];
    const target = new FakeStore();
    const source = [item("a", "1", 0), item("x", "1", 0), item("a/b", "1", 1), item("a/b/c", "1", 2)];
    const ctx = session().replicateContext(access("source"), access("target"), { maxInFlight: 8 });
    await ctx.engine.run(
      steps(source, target, {
        phase: (i) => i.properties.depth,
        async apply(action) {
          await new Promise((r) => setTimeout(r, action.source.properties.depth === 0 ? 20 : 1));
          order.push(action.source.name);
          return undefined;
        },
      }),
      info,
    );
    expect(order.indexOf("a")).toBeLessThan(order.indexOf("a/b"));
    expect(order.indexOf("x")).toBeLessThan(order.indexOf("a/b"));
    expect(order.indexOf("a/b")).toBeLessThan(order.indexOf("a/b/c"));

    const staged: string[] = [];
    const partitioned: ReplicationSteps<Item, Item> = {
      *partitions() {
        yield { id: "containers", stage: 0 };
        yield { id: "c1", stage: 1 };
        yield { id: "c2", stage: 1 };
      },
      async *listSource(p) {
        if (p?.id === "containers") yield item("container", "1");
        else yield item(`${p?.id}/blob`, "1");
      },
      async *listTarget() {},
      plan: () => ({ action: "create" }),
      async apply(action) {
        if (action.source.name === "container") await new Promise((r) => setTimeout(r, 30));
        staged.push(action.source.name);
        return undefined;
      },
    };
    await session().replicateContext(access("source"), access("target")).engine.run(partitioned, info);
    expect(staged[0]).toBe("container");
    expect(staged.slice(1).sort()).toEqual(["c1/blob", "c2/blob"]);
  });

  it("keeps at most max-in-flight items in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const source = Array.from({ length: 50 }, (_, i) => item(`i${i}`, "1"));
    const ctx = session().replicateContext(access("source"), access("target"), { maxInFlight: 4 });
    await ctx.engine.run(
      steps(source, new FakeStore(), {
        async apply() {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
          return undefined;
        },
      }),
      info,
    );
    expect(peak).toBe(4);
  });

  it("resumes from the journal without acting on finished items again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-engine-"));
    const path = join(dir, "journal.jsonl");
    const target = new FakeStore();
    const source = Array.from({ length: 20 }, (_, i) => item(`i${i}`, "1"));
    const s = session();
    const abort = new AbortController();
    const first = createSession({ signal: abort.signal, governor: { baseDelayMs: 1 } }).replicateContext(
      access("source"),
      access("target"),
      {
        maxInFlight: 1,
        checkpoint: (identity) => FileJournal.open(path, identity, { resume: false, redactor: s.redactor }),
      },
    );
    let applied = 0;
    await first.engine.run(
      steps(source, target, {
        async apply(action) {
          target.data.set(action.source.name, action.source.properties.value);
          target.writes++;
          if (++applied === 7) abort.abort();
          return undefined;
        },
      }),
      info,
    );
    expect(target.writes).toBe(7);
    // the target holds the finished items, but in a state its listing would call stale: only
    // the journal prevents re-writes
    const stale = new FakeStore();
    for (const name of target.data.keys()) stale.data.set(name, "ours:stale");
    const second = s.replicateContext(access("source"), access("target"), {
      checkpoint: (identity) => FileJournal.open(path, identity, { resume: true, redactor: s.redactor }),
    });
    const result = await second.engine.run(steps(source, stale), info);
    expect(stale.writes).toBe(13);
    expect(result.counts).toMatchObject({ discovered: 20, created: 13, skipped: 7, resumed: 7 });
    expect(result.warnings).toEqual([]);
  });

  it("resume trusts the target over the journal: an emptied target is refilled, and the summary says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-engine-"));
    const path = join(dir, "journal.jsonl");
    const s = session();
    const source = Array.from({ length: 30 }, (_, i) => item(`i${i}`, "1"));
    const open = (resume: boolean) =>
      s.replicateContext(access("source"), access("target"), {
        checkpoint: (identity) => FileJournal.open(path, identity, { resume, redactor: s.redactor }),
      });
    const first = new FakeStore();
    await open(false).engine.run(steps(source, first), info);
    expect(first.writes).toBe(30);
    // the target was restarted empty; the journal says everything is done
    const emptied = new FakeStore();
    emptied.data.set("i3", "1");
    const result = await open(true).engine.run(steps(source, emptied), info);
    expect(emptied.writes).toBe(29);
    expect(emptied.data.size).toBe(30);
    expect(result.counts).toMatchObject({ created: 29, resumed: 1, failed: 0 });
    expect(result.warnings.join("\n")).toMatch(
      /29 items the checkpoint called finished were missing from the target and were copied again/,
    );
  });

  it("processes only the items of its shard", async () => {
    const source = Array.from({ length: 200 }, (_, i) => item(`i${i}`, "1"));
    const seen = new Set<string>();
    let total = 0;
    for (let k = 1; k <= 4; k++) {
      const target = new FakeStore();
      const ctx = session().replicateContext(access("source"), access("target"), {
        shard: { index: k, count: 4 },
      });
      const result = await ctx.engine.run(steps(source, target), info);
      total += result.counts.created;
      for (const name of target.data.keys()) {
        expect(seen.has(name)).toBe(false);
        seen.add(name);
      }
    }
    expect(total).toBe(200);
    expect(seen.size).toBe(200);
  });
});

describe("shard affinity", () => {
  it("items a plugin gives one shard key land in one shard together, and ctx.owns agrees", async () => {
    // names "g<group>/<n>": the group is the shard key
    const source = Array.from({ length: 120 }, (_, i) => item(`g${i % 6}/${i}`, "1"));
    const groupOf = (key: string) => key.slice(0, key.indexOf("/", "thing/".length));
    const byShard = new Map<string, number>();
    let total = 0;
    for (let k = 1; k <= 3; k++) {
      const target = new FakeStore();
      const ctx = session().replicateContext(access("source"), access("target"), {
        shard: { index: k, count: 3 },
      });
      let owned: boolean[] = [];
      const result = await ctx.engine.run(
        steps(source, target, {
          shardKey: groupOf,
          async finish(stepCtx) {
            owned = source.map((i) => stepCtx.owns(i.key));
            return undefined;
          },
        }),
        info,
      );
      total += result.counts.created;
      for (const name of target.data.keys()) {
        const group = groupOf(`thing/${name}`);
        expect(byShard.get(group) ?? k, group).toBe(k);
        byShard.set(group, k);
      }
      expect(owned.filter(Boolean).length).toBe(result.counts.created);
    }
    expect(total).toBe(120);
    expect(byShard.size).toBe(6);
  });
});

describe("HTTP governor", () => {
  function fakeResponse(status: number, headers: Record<string, string> = {}) {
    return (request: unknown) =>
      Promise.resolve({ status, headers: { get: (n: string) => headers[n.toLowerCase()] }, request });
  }

  it("retries 429 with and without Retry-After, 503 and connection resets, reporting each retry", async () => {
    const events: ProgressEvent[] = [];
    const s = createSession({ progress: { emit: (e) => events.push(e) }, governor: { baseDelayMs: 1 } });
    const policy = s.governor.policy({ side: "target" });
    const answers = [
      fakeResponse(429),
      fakeResponse(429, { "retry-after-ms": "5" }),
      fakeResponse(503),
      () => Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })),
      fakeResponse(200),
    ];
    let calls = 0;
    const request = {
      url: "https://vault.example/secrets/a",
      method: "GET",
      headers: { get: () => undefined },
    };
    const response = await policy.sendRequest(request, (req) => answers[calls++]!(req));
    expect(response.status).toBe(200);
    expect(calls).toBe(5);
    const retries = events.filter((e) => e.type === "retried");
    expect(retries.map((e) => (e as { reason: string }).reason)).toEqual([
      "HTTP 429 without Retry-After",
      "HTTP 429 (Retry-After 5 ms)",
      "HTTP 503 without Retry-After",
      "network error ECONNRESET",
    ]);
  });

  it("resends a write after a throttling answer, but not after a lost connection (the engine re-plans it)", async () => {
    const s = createSession({ governor: { baseDelayMs: 1 } });
    const policy = s.governor.policy({ side: "target" });
    const put = {
      url: "https://vault.example/secrets/a",
      method: "PUT",
      headers: { get: () => undefined },
      body: "{}",
    };
    let calls = 0;
    const throttledOnce = (r: unknown) => (calls++ === 0 ? fakeResponse(429)(r) : fakeResponse(200)(r));
    expect((await policy.sendRequest(put, throttledOnce)).status).toBe(200);
    expect(calls).toBe(2);
    calls = 0;
    const reset = () => {
      calls++;
      return Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    };
    await expect(policy.sendRequest(put, reset)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(calls).toBe(1);
  });

  it("does not retry permanent errors and gives up after max retries", async () => {
    const s = createSession({ governor: { baseDelayMs: 1, maxRetries: 2 } });
    const policy = s.governor.policy({ side: "source" });
    const request = { url: "https://vault.example/x", method: "GET", headers: { get: () => undefined } };
    let calls = 0;
    const counted = (status: number) => (r: unknown) => {
      calls++;
      return fakeResponse(status)(r);
    };
    expect((await policy.sendRequest(request, counted(404))).status).toBe(404);
    expect(calls).toBe(1);
    calls = 0;
    expect((await policy.sendRequest(request, counted(429))).status).toBe(429);
    expect(calls).toBe(3);
  });

  it("keeps each class under its window limit", async () => {
    // the margin covers the time between dispatch (what the window counts) and the send we observe
    const s = createSession({ governor: { windowMarginMs: 50 } });
    const policy = s.governor.policy({
      side: "target",
      limits: [{ class: "create", limit: 5, windowMs: 200 }],
      classify: ({ method }) => (method === "PUT" ? ["create"] : []),
      pacing: "limits",
    });
    const sent: number[] = [];
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 12 }, () =>
        policy.sendRequest(
          { url: "https://v.example/s", method: "PUT", headers: { get: () => undefined } },
          (r) => {
            sent.push(Date.now() - start);
            return fakeResponse(200)(r);
          },
        ),
      ),
    );
    // in any 200 ms window at most 5 requests
    for (const t of sent) expect(sent.filter((u) => u >= t && u < t + 200).length).toBeLessThanOrEqual(5);
    expect(Math.max(...sent)).toBeGreaterThanOrEqual(500);
  });

  it("adaptive pacing: full speed until the first 429, then the declared window, which also sets the wait", async () => {
    // a fake clock: the wait is computed from the window, exactly, whatever the machine's load
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    try {
      const events: ProgressEvent[] = [];
      const s = createSession({ progress: { emit: (e) => events.push(e) }, governor: { windowMarginMs: 0 } });
      const policy = s.governor.policy({
        side: "target",
        limits: [{ class: "create", limit: 5, windowMs: 300 }],
        classify: () => ["create"],
      });
      const put = () => ({ url: "https://v.example/s", method: "PUT", headers: { get: () => undefined } });
      const start = Date.now();
      let accepted = 0;
      // a service that refuses the 6th request in its window, without Retry-After
      const service = (r: unknown) => fakeResponse(++accepted === 6 ? 429 : 200)(r);
      const all = Promise.all(Array.from({ length: 8 }, () => policy.sendRequest(put(), service)));
      await vi.runAllTimersAsync();
      const answers = await all;
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      const retry = events.find((e) => e.type === "retried") as
        | { delayMs: number; reason: string }
        | undefined;
      expect(retry?.reason).toBe("HTTP 429 without Retry-After");
      // the wait comes from the window (300 ms after the first five), not from a 1 s backoff
      expect(retry!.delayMs).toBe(300);
      expect(Date.now() - start).toBeGreaterThanOrEqual(300);
      expect(Date.now() - start).toBeLessThan(1000);
    } finally {
      vi.useRealTimers();
    }
  });
});
