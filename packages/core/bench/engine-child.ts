// One engine run over synthetic sorted steps (no I/O), in its own process so its peak RSS is
// its own. Usage: node bench/engine-child.ts <fresh|half|kill|resume> <items> <auto|map> <journal>
// Prints one JSON line: { seconds, items, peakRssMb, warmSeconds?, warmItems? }.
import { rmSync } from "node:fs";
import { createSession, type DataPlaneItem, FileJournal, type ReplicationSteps } from "../dist/index.js";
import { relaunchWithMemoryFlags } from "../dist/launch/memory-flags.js";

// as the `dataplane` command does (DATAPLANE_NODE_DEFAULTS=1: Node's defaults)
relaunchWithMemoryFlags();

const [scenario = "fresh", itemsText = "100000", join = "auto", journalPath = "/tmp/dp-bench.jsonl"] =
  process.argv.slice(2);
const N = Number(itemsText);
const width = String(N).length;

type Item = DataPlaneItem<"thing", { value: string }>;

const name = (i: number) => String(i).padStart(width, "0");
const make = (i: number): Item => ({
  kind: "thing",
  key: `thing/${name(i)}`,
  name: name(i),
  properties: { value: "v1" },
  sourceResourceId: "/src",
});

let applied = 0;
// Time per item is also measured past a warm-up (the first items run before the JIT has
// compiled the hot paths: a fixed cost of the process, not a cost per item).
const WARM = Math.min(10_000, Math.floor(N / 10));
let warmAt: number | undefined;
const steps: ReplicationSteps<Item, Item> = {
  sorted: () => true,
  async *listSource() {
    for (let i = 0; i < N; i++) yield make(i);
  },
  async *listTarget() {
    // "half": the target holds every other item already
    if (scenario === "half") for (let i = 0; i < N; i += 2) yield make(i);
  },
  plan: (_s, t) => (t ? { action: "skip-unchanged" } : { action: "create" }),
  async apply() {
    applied++;
    if (applied === WARM) warmAt = performance.now();
    // "kill": a SIGKILL halfway, as an operator's or the kernel's
    if (scenario === "kill" && applied === Math.floor(N / 2)) process.kill(process.pid, "SIGKILL");
    return undefined;
  },
  fingerprint: (item) => item.properties.value,
};

if (scenario !== "resume") rmSync(journalPath, { force: true });
const session = createSession();
const context = session.replicateContext(
  { side: "source" },
  { side: "target" },
  {
    maxInFlight: 32,
    join: join === "map" ? "map" : "auto",
    checkpoint: (identity) =>
      FileJournal.open(journalPath, identity, { resume: scenario === "resume", redactor: session.redactor }),
  },
);
const start = performance.now();
// "resume": the target holds what the killed run wrote (its first half, in key order)
const resumeSteps: ReplicationSteps<Item, Item> =
  scenario === "resume"
    ? {
        ...steps,
        async *listTarget() {
          for (let i = 0; i < Math.floor(N / 2); i++) yield make(i);
        },
      }
    : steps;
const result = await context.engine.run(resumeSteps, {
  plugin: "bench",
  sourceResourceId: "/src",
  targetResourceId: "/dst",
});
const end = performance.now();
const seconds = (end - start) / 1000;
if (result.counts.failed > 0 || result.counts.discovered !== N)
  throw new Error(`unexpected counts ${JSON.stringify(result.counts)}`);
console.log(
  JSON.stringify({
    seconds,
    items: N,
    // the fresh scenario applies every item: the time per item once warm
    ...(warmAt !== undefined && applied === N
      ? { warmSeconds: (end - warmAt) / 1000, warmItems: N - WARM }
      : {}),
    resumed: result.counts.resumed,
    created: result.counts.created,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
