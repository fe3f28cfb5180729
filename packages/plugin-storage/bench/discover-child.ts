// Child of bench/run.ts: discovers one account and reports its peak RSS (nothing else runs here).
import { type AzureResource, Session } from "@dataplane/core";
import { storagePlugin } from "../dist/index.js";

const resource = JSON.parse(process.env.BENCH_RESOURCE ?? "{}") as AzureResource;
const context = new Session().discoverContext({
  side: "source",
  storage: { type: "sharedKey", accountName: resource.name, accountKey: process.env.BENCH_KEY ?? "" },
});
const start = performance.now();
let items = 0;
for await (const _item of storagePlugin.discover(resource, context)) items++;
const seconds = (performance.now() - start) / 1000;
// maxRSS is in kilobytes.
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ items, seconds, peakRssMb }));
