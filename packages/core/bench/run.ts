// Engine overhead: the same in-memory "service" replicated through the engine and through a
// hand-written bounded-concurrency loop, in one run. Printed, never asserted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import {
  createSession,
  type DataPlaneItem,
  NODE_DEFAULTS_ENV,
  type ReplicationSteps,
} from "../dist/index.js";

const N = Number(process.env.BENCH_ITEMS ?? 200_000);
const CONCURRENCY = 32;

type Item = DataPlaneItem<"thing", { value: string }>;

function* items(): Generator<Item> {
  for (let i = 0; i < N; i++) {
    yield {
      kind: "thing",
      key: `thing/${i}`,
      name: String(i),
      properties: { value: `v${i}` },
      sourceResourceId: "/src",
    };
  }
}

// one simulated service call: a turn of the event loop
const call = () => new Promise<void>((resolve) => setImmediate(resolve));

async function baseline(): Promise<number> {
  const target = new Map<string, string>();
  const start = performance.now();
  const iterator = items();
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      await call();
      target.set(next.value.name, next.value.properties.value);
    }
  });
  await Promise.all(workers);
  return (performance.now() - start) / 1000;
}

async function ours(): Promise<number> {
  const target = new Map<string, string>();
  const session = createSession();
  const context = session.replicateContext(
    { side: "source" },
    { side: "target" },
    { maxInFlight: CONCURRENCY },
  );
  const steps: ReplicationSteps<Item, Item> = {
    async *listSource() {
      yield* items();
    },
    async *listTarget() {},
    plan: () => ({ action: "create" }),
    async apply(action) {
      await call();
      target.set(action.source.name, action.source.properties.value);
      return undefined;
    },
  };
  const start = performance.now();
  const result = await context.engine.run(steps, {
    plugin: "bench",
    sourceResourceId: "/src",
    targetResourceId: "/dst",
  });
  if (result.counts.created !== N) throw new Error(`created ${result.counts.created} of ${N}`);
  return (performance.now() - start) / 1000;
}

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
await baseline(); // warm-up
const base = await baseline();
const mine = await ours();
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(
  `engine: ${N} in-memory items at ${CONCURRENCY} in flight — engine ${mine.toFixed(2)} s, plain loop ${base.toFixed(2)} s`,
);
console.log(
  `BENCH ${JSON.stringify({
    package: "@dataplane/core",
    name: `engine overhead, ${N} in-memory items`,
    ours_s: mine,
    baseline_s: base,
    ratio: mine / base,
    target: "informational",
    peak_rss_mb: peak / 1024 / 1024,
  })}`,
);

// ---------------------------------------------------------------------------------------------
// Memory at any size: synthetic sorted steps (no I/O) through the engine, each run in its own
// process so its peak RSS is its own, its memory bounded as the `dataplane` command bounds it
// (the child calls relaunchWithMemoryFlags first). Beside it, in the same run, with Node's
// defaults (DATAPLANE_NODE_DEFAULTS=1): the previous engine's way (`join: "map"`: target listing
// in a map, one journal entry per item), as it shipped; and, for a fresh target, the streaming
// engine. BENCH_ENGINE_SIZES (default 100k,1M,10M); BENCH_ENGINE_LEGACY_MAX caps the sizes the
// previous engine is run at (default: all).

const SIZES = (process.env.BENCH_ENGINE_SIZES ?? "100000,1000000,10000000").split(",").map(Number);
const LEGACY_MAX = Number(process.env.BENCH_ENGINE_LEGACY_MAX ?? Number.POSITIVE_INFINITY);
const workDir = mkdtempSync(joinPath(tmpdir(), "dp-bench-engine-"));

interface ChildResult {
  seconds: number;
  items: number;
  peakRssMb: number;
  /** Past the JIT warm-up (the first 10 % of items, at most 10,000), when every item was applied. */
  warmSeconds?: number;
  warmItems?: number;
}

function child(
  scenario: string,
  n: number,
  join: "auto" | "map",
  journal: string,
  nodeDefaults: boolean,
): ChildResult | undefined {
  const out = spawnSync(
    process.execPath,
    [new URL("./engine-child.ts", import.meta.url).pathname, scenario, String(n), join, journal],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
      env: nodeDefaults ? { ...process.env, [NODE_DEFAULTS_ENV]: "1" } : process.env,
    },
  );
  if (scenario === "kill") return undefined; // it kills itself halfway
  if (out.status !== 0) {
    // The previous engine may run out of memory at sizes the streaming one handles: say so.
    console.log(
      `(engine-child ${scenario} ${n} ${join} failed: ${out.stderr.trim().split("\n").slice(-2).join(" ")})`,
    );
    return undefined;
  }
  return JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildResult;
}

function row(
  label: string,
  n: number,
  ours: ChildResult | undefined,
  legacy: ChildResult | undefined,
  defaults: ChildResult | undefined,
): void {
  if (!ours) return;
  const perItem = (r: ChildResult) => `${((r.seconds / r.items) * 1e6).toFixed(2)} µs/item`;
  console.log(
    `engine ${label}, ${n.toLocaleString("en")} items in one partition — streaming: peak RSS ${ours.peakRssMb.toFixed(0)} MB, ${perItem(ours)}` +
      (defaults
        ? ` | streaming, Node's defaults: peak RSS ${defaults.peakRssMb.toFixed(0)} MB, ${perItem(defaults)}`
        : "") +
      (legacy
        ? ` | previous engine: peak RSS ${legacy.peakRssMb.toFixed(0)} MB, ${perItem(legacy)}`
        : " | previous engine: not run (see above)"),
  );
  console.log(
    `BENCH ${JSON.stringify({
      package: "@dataplane/core",
      name: `engine ${label}, ${n} items, one partition`,
      ours_s: ours.seconds,
      baseline_s: legacy?.seconds ?? null,
      ratio: legacy ? ours.seconds / legacy.seconds : null,
      target: "peak RSS < 250 MB; µs/item flat within 20 %",
      peak_rss_mb: ours.peakRssMb,
      baseline_peak_rss_mb: legacy?.peakRssMb ?? null,
      node_defaults_peak_rss_mb: defaults?.peakRssMb ?? null,
      us_per_item: (ours.seconds / ours.items) * 1e6,
    })}`,
  );
}

try {
  const perItem: number[] = [];
  const perWarmItem: number[] = [];
  for (const n of SIZES) {
    const legacyToo = n <= LEGACY_MAX;
    for (const scenario of ["fresh", "half", "resume"] as const) {
      const run = (join: "auto" | "map", nodeDefaults: boolean) => {
        const journal = joinPath(workDir, `${scenario}-${join}-${n}.jsonl`);
        if (scenario === "resume") child("kill", n, join, journal, nodeDefaults);
        const result = child(scenario, n, join, journal, nodeDefaults);
        rmSync(journal, { force: true });
        return result;
      };
      const ours = run("auto", false);
      const defaults = scenario === "fresh" ? run("auto", true) : undefined;
      // With an empty target the previous engine's map is empty too: compared where it matters.
      const legacy = legacyToo && (scenario !== "fresh" || n <= 1_000_000) ? run("map", true) : undefined;
      const label =
        scenario === "fresh"
          ? "fresh target"
          : scenario === "half"
            ? "target holding half"
            : "resumed after a SIGKILL at 50 %";
      row(label, n, ours, legacy, defaults);
      if (scenario === "fresh" && ours) {
        perItem.push(ours.seconds / ours.items);
        if (ours.warmSeconds !== undefined && ours.warmItems)
          perWarmItem.push(ours.warmSeconds / ours.warmItems);
      }
    }
  }
  if (perItem.length > 1) {
    const spread = (xs: number[]) => Math.max(...xs) / Math.min(...xs) - 1;
    const us = (xs: number[]) => xs.map((x) => `${(x * 1e6).toFixed(2)}`).join(" / ");
    const sizes = SIZES.map((n) => n.toLocaleString("en")).join(" / ");
    console.log(
      `engine time per item across ${sizes} (fresh target): ${us(perItem)} µs, spread ${(spread(perItem) * 100).toFixed(0)} %` +
        (perWarmItem.length === perItem.length
          ? `; past the JIT warm-up (the first 10 % of items, at most 10,000): ${us(perWarmItem)} µs, spread ${(spread(perWarmItem) * 100).toFixed(0)} % (target: within 20 %)`
          : " (target: within 20 %)"),
    );
    console.log(
      `BENCH ${JSON.stringify({
        package: "@dataplane/core",
        name: "engine time per item across sizes (spread)",
        ours_s: null,
        baseline_s: null,
        ratio: perWarmItem.length === perItem.length ? spread(perWarmItem) : spread(perItem),
        target: "spread within 0.20",
        spread_raw: spread(perItem),
        spread_warm: perWarmItem.length === perItem.length ? spread(perWarmItem) : null,
      })}`,
    );
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
