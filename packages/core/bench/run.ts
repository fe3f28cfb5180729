// Engine overhead: the same in-memory "service" replicated through the engine and through a
// hand-written bounded-concurrency loop, in one run. Printed, never asserted.
import { createSession, type DataPlaneItem, type ReplicationSteps } from "../dist/index.js";

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
