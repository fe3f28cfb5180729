// Child of bench/memory.ts: one replication (streaming engine or the previous map engine) in its
// own process, so its peak RSS is its own. Prints { seconds, peakRssMb, counts }.
import { type AzureResource, Session } from "@dataplane/core";
import { relaunchWithMemoryFlags } from "@dataplane/core/launch";
import { storagePlugin } from "../dist/index.js";

// as the `dataplane` command does (DATAPLANE_NODE_DEFAULTS=1: Node's defaults)
relaunchWithMemoryFlags();

const source = JSON.parse(process.env.BENCH_SOURCE ?? "{}") as AzureResource;
const target = JSON.parse(process.env.BENCH_TARGET ?? "{}") as AzureResource;
const keys = JSON.parse(process.env.BENCH_KEYS ?? "{}") as Record<string, string>;
const join = process.env.BENCH_JOIN === "map" ? "map" : "auto";
const access = (resource: AzureResource, side: "source" | "target") => ({
  side,
  storage: { type: "sharedKey" as const, accountName: resource.name, accountKey: keys[resource.name] ?? "" },
});
const context = new Session().replicateContext(access(source, "source"), access(target, "target"), {
  join,
  options: { services: "blob" },
});
const start = performance.now();
const result = await storagePlugin.replicate(source, target, context);
const seconds = (performance.now() - start) / 1000;
if (result.counts.failed > 0) throw new Error(`failed items: ${JSON.stringify(result.errors.slice(0, 3))}`);
console.log(
  JSON.stringify({
    seconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    created: result.counts.created,
    unchanged: result.counts.unchanged,
  }),
);
