import { describePluginConformance } from "@dataplane/testing";
import { startBed } from "./helpers/bed.js";
import { blobStates, shareTree } from "./helpers/compare.js";

// The conformance kit, as any plugin author runs it: the built package loaded the way the CLI
// loads it, against a seeded source account and an empty target account (Azurite for blobs,
// our emulator for files).
describePluginConformance({
  packageDir: new URL("..", import.meta.url),
  environment: async () => {
    const bed = await startBed(["confsrc", "confdst"]);
    const blobs = bed.blob("confsrc");
    const docs = blobs.getContainerClient("docs");
    await docs.create({ metadata: { team: "data" } });
    for (let i = 0; i < 12; i++) {
      const body = `document ${i}`;
      await docs.getBlockBlobClient(`folder ${i % 3}/doc-${i}.txt`).upload(body, body.length, {
        metadata: { index: String(i) },
        blobHTTPHeaders: { blobContentType: "text/plain" },
      });
    }
    const share = bed.share("confsrc").getShareClient("reports");
    await share.create({ quota: 5, metadata: { owner: "finance" } });
    const dir = share.getDirectoryClient("2026");
    await dir.create();
    for (let i = 0; i < 4; i++) {
      const body = `report ${i}`;
      await dir.getFileClient(`q${i + 1}.csv`).uploadData(Buffer.from(body));
    }
    return {
      source: bed.resource("confsrc"),
      target: bed.resource("confdst"),
      sourceAccess: bed.access("confsrc", "source"),
      targetAccess: bed.access("confdst", "target"),
      async snapshotTarget() {
        const blobsNow = Object.fromEntries([...(await blobStates(bed.blob("confdst")))].sort());
        const shares: Record<string, unknown> = {};
        for await (const s of bed.share("confdst").listShares()) {
          shares[s.name] = Object.fromEntries([...(await shareTree(bed.share("confdst"), s.name))].sort());
        }
        return { blobs: blobsNow, shares };
      },
      cleanup: () => bed.stop(),
    };
  },
});
