import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  acquireRunLock,
  createSession,
  type DataPlaneItem,
  type ProgressEvent,
  type ReplicationSteps,
  runLockPath,
  type SideAccess,
} from "../src/index.js";

// Pure-logic tests of how a run ends: a failing partition, retry budgets, a graceful stop,
// and the run lock. The same engine runs against the emulators in the CLI and plugin suites.

type Item = DataPlaneItem<"thing", { value: string }>;

const item = (name: string): Item => ({
  kind: "thing",
  key: `thing/${name}`,
  name,
  properties: { value: name },
  sourceResourceId: "/src",
});
const access = (side: "source" | "target"): SideAccess => ({ side });
const info = { plugin: "fake", sourceResourceId: "/src", targetResourceId: "/dst" };

describe("a failing partition", () => {
  it("fails only itself: the others are applied, the failure names the partition and its cause", async () => {
    const written: string[] = [];
    const steps: ReplicationSteps<Item, Item> = {
      partitions: () => [
        { id: "a", label: "alphas", kind: "thing" },
        { id: "b", label: "betas", kind: "thing" },
        { id: "c", label: "gammas", kind: "thing" },
      ],
      async *listSource(partition) {
        if (partition?.id === "b") {
          yield item("b-1");
          throw Object.assign(new Error("Not Found"), { statusCode: 404, code: "NotFound" });
        }
        yield item(`${partition?.id}-1`);
        yield item(`${partition?.id}-2`);
      },
      async *listTarget() {},
      plan: () => ({ action: "create" }),
      async apply(action) {
        written.push(action.source.name);
        return undefined;
      },
    };
    const context = createSession().replicateContext(access("source"), access("target"));
    const result = await context.engine.run(steps, info);
    expect(written.sort()).toEqual(["a-1", "a-2", "b-1", "c-1", "c-2"]);
    expect(result.counts.failed).toBe(1);
    expect(result.errors[0]).toMatchObject({ key: "(betas)", kind: "thing", code: "NotFound" });
    expect(result.errors[0]?.message).toMatch(
      /^betas could not be listed; the items not yet listed were not attempted/,
    );
    expect(result.success).toBe(false);
  });

  it("every partition refused for lack of access: the run stops with the role error", async () => {
    const steps: ReplicationSteps<Item, Item> = {
      partitions: () => [{ id: "a" }, { id: "b" }],
      // biome-ignore lint/correctness/useYield: the listing is refused before its first item
      async *listSource() {
        throw Object.assign(new Error("Forbidden"), { statusCode: 403 });
      },
      async *listTarget() {},
      plan: () => ({ action: "create" }),
      apply: async () => undefined,
    };
    const context = createSession().replicateContext(access("source"), access("target"), {
      explainError: (error) =>
        Object.assign(new Error("the source denied access (403): it needs the role R"), {
          $$type: "dataplane.error",
          code: "DP_PERMISSION_DENIED",
          cause: error,
        }),
    });
    await expect(context.engine.run(steps, info)).rejects.toMatchObject({ code: "DP_PERMISSION_DENIED" });
  });
});

describe("retry budgets", () => {
  it("a server error that never heals: the server-error budget, every wait capped, then failed", async () => {
    const events: ProgressEvent[] = [];
    const session = createSession({
      progress: { emit: (e) => events.push(e) },
      governor: { baseDelayMs: 5, maxDelayMs: 12, maxRetries: 10, serverErrorRetries: 3 },
    });
    let attempts = 0;
    const steps: ReplicationSteps<Item, Item> = {
      async *listSource() {
        yield item("broken");
        yield item("fine");
      },
      async *listTarget() {},
      plan: () => ({ action: "create" }),
      async apply(action) {
        if (action.source.name === "broken") {
          attempts++;
          throw Object.assign(new Error("Internal Server Error"), { statusCode: 500 });
        }
        return undefined;
      },
    };
    const result = await session.replicateContext(access("source"), access("target")).engine.run(steps, info);
    expect(attempts).toBe(4);
    expect(result.counts).toMatchObject({ created: 1, failed: 1 });
    const retried = events.filter(
      (e): e is Extract<ProgressEvent, { type: "retried" }> => e.type === "retried",
    );
    expect(retried.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(retried.every((e) => e.delayMs <= 12)).toBe(true);
  });

  it("throttling keeps the larger budget", () => {
    const session = createSession({ governor: { maxRetries: 7, serverErrorRetries: 2 } });
    expect(session.governor.retryBudget({ retryable: true, throttled: true, reason: "HTTP 429" })).toBe(7);
    expect(
      session.governor.retryBudget({
        retryable: true,
        throttled: false,
        serverError: true,
        reason: "HTTP 500",
      }),
    ).toBe(2);
    for (let attempt = 0; attempt < 40; attempt++)
      expect(session.governor.backoffMs(attempt)).toBeLessThanOrEqual(30_000);
  });
});

describe("a graceful stop", () => {
  function gatedSteps(
    gate: Promise<void>,
    started: string[],
    finished: string[],
  ): ReplicationSteps<Item, Item> {
    return {
      async *listSource() {
        for (let i = 0; i < 20; i++) yield item(`t-${i}`);
      },
      async *listTarget() {},
      plan: () => ({ action: "create" }),
      async apply(action, ctx) {
        started.push(action.source.name);
        await Promise.race([
          gate,
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))),
          ),
        ]);
        finished.push(action.source.name);
        return undefined;
      },
    };
  }

  it("starts no new item; the items in flight finish and count; nothing failed", async () => {
    const stop = new AbortController();
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const started: string[] = [];
    const finished: string[] = [];
    const session = createSession({ stop: stop.signal });
    const context = session.replicateContext(access("source"), access("target"), { maxInFlight: 4 });
    const running = context.engine.run(gatedSteps(gate, started, finished), info);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (started.length === 4) {
          clearInterval(poll);
          resolve();
        }
      }, 1);
    });
    stop.abort();
    open();
    const result = await running;
    expect(started).toHaveLength(4);
    expect(finished).toHaveLength(4);
    expect(result.counts).toMatchObject({ created: 4, failed: 0, notFinished: 0 });
    expect(result.warnings.join()).toMatch(/interrupted/);
  });

  it("items still running when the grace period ends are not-finished, never failed", async () => {
    const stop = new AbortController();
    const started: string[] = [];
    const finished: string[] = [];
    const session = createSession({ stop: stop.signal, stopGraceMs: 10 });
    const context = session.replicateContext(access("source"), access("target"), { maxInFlight: 3 });
    const running = context.engine.run(gatedSteps(new Promise(() => {}), started, finished), info);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (started.length === 3) {
          clearInterval(poll);
          resolve();
        }
      }, 1);
    });
    stop.abort();
    const result = await running;
    expect(result.counts).toMatchObject({ created: 0, failed: 0, notFinished: 3 });
    expect(result.success).toBe(false);
  });
});

describe("the run lock", () => {
  const identity = { plugin: "p", target: "/subscriptions/s/vaults/V", shard: "1/1" };

  it("one holder per plugin, target (any case) and shard; released at the end", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-lock-"));
    const held = acquireRunLock(dir, identity);
    expect(() => acquireRunLock(dir, { ...identity, target: identity.target.toLowerCase() })).toThrow(
      new RegExp(`another run holds the target .*: pid ${process.pid} on `),
    );
    // the whole target overlaps every shard of it
    expect(() => acquireRunLock(dir, { ...identity, shard: "2/2" })).toThrow(/shard 1\/1\): pid /);
    held.release();
    acquireRunLock(dir, identity).release();
  });

  it("shards of one split run side by side; a shard of another split, or the whole, is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-lock-"));
    const one = acquireRunLock(dir, { ...identity, shard: "1/2" });
    const two = acquireRunLock(dir, { ...identity, shard: "2/2" });
    expect(() => acquireRunLock(dir, { ...identity, shard: "1/3" })).toThrow(/another run holds the target/);
    expect(() => acquireRunLock(dir, identity)).toThrow(/another run holds the target/);
    one.release();
    two.release();
    acquireRunLock(dir, { ...identity, shard: "1/3" }).release();
  });

  it("the lock of a process that is gone is taken over, and said", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-lock-"));
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      runLockPath(dir, identity),
      JSON.stringify({ pid: gone, host: hostname(), startedAt: "2020-01-01T00:00:00Z" }),
    );
    const held = acquireRunLock(dir, identity);
    expect(held.tookOver).toMatch(new RegExp(`took over the lock of a run that is gone \\(pid ${gone} on `));
    held.release();
  });

  it("an unreadable lock is a run starting while fresh, and taken over once old", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-lock-"));
    const path = runLockPath(dir, identity);
    writeFileSync(path, "");
    expect(() => acquireRunLock(dir, identity)).toThrow(/a run that is starting/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const held = acquireRunLock(dir, identity);
    expect(held.tookOver).toMatch(/unreadable lock/);
    held.release();
  });
});
