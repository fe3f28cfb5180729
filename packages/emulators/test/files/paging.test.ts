import { ShareServiceClient } from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

const FILES = 12_000;
let emulator: FilesEmulator;
let service: ShareServiceClient;
let seededRequests = -1;

const nameOf = (i: number) => `file-${String(i).padStart(5, "0")}.txt`;

beforeAll(async () => {
  emulator = await startFilesEmulator({ accounts: [{ name: "srcaccount" }] });
  service = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"));
  // Seeded in a scrambled order: listing must come back sorted anyway.
  for (let k = 0; k < FILES; k++) {
    const i = (k * 7919) % FILES;
    emulator.seedFile("srcaccount", "big", `many/${nameOf(i)}`, `content ${i}`, {
      metadata: { index: String(i) },
    });
  }
  emulator.seedDirectory("srcaccount", "big", "many/zz-subdirectory");
  seededRequests = emulator.stats("srcaccount").requests;
});
afterAll(async () => {
  await emulator.stop();
});

describe(`listing ${FILES} files`, () => {
  it("seeds programmatically, without a single request", () => {
    // (a timed assertion would depend on the machine's load; what makes seeding fast is that it
    // goes straight into the store)
    expect(seededRequests).toBe(0);
  });

  it("lists every file exactly once, in order, through the SDK iterator (5,000 per page)", async () => {
    emulator.resetStats("srcaccount");
    const directory = service.getShareClient("big").getDirectoryClient("many");
    const names: string[] = [];
    let directories = 0;
    for await (const item of directory.listFilesAndDirectories()) {
      if (item.kind === "file") names.push(item.name);
      else directories += 1;
    }
    expect(names).toHaveLength(FILES);
    expect(new Set(names).size).toBe(FILES);
    expect(names).toEqual(Array.from({ length: FILES }, (_, i) => nameOf(i)));
    expect(directories).toBe(1);
    expect(emulator.stats("srcaccount").operations.Directory_ListFilesAndDirectoriesSegment).toBe(3);
  });

  it("pages with byPage({ maxPageSize }) and continuation tokens", async () => {
    const directory = service.getShareClient("big").getDirectoryClient("many");
    const sizes: number[] = [];
    let total = 0;
    let last = "";
    for await (const page of directory
      .listFilesAndDirectories({ includeEtag: true })
      .byPage({ maxPageSize: 700 })) {
      const files = page.segment.fileItems;
      sizes.push(files.length + page.segment.directoryItems.length);
      for (const file of files) {
        expect(file.name > last).toBe(true);
        last = file.name;
        expect(file.properties.etag).toBeTruthy();
      }
      total += files.length;
    }
    expect(total).toBe(FILES);
    expect(sizes).toHaveLength(Math.ceil((FILES + 1) / 700));
    expect(sizes.slice(0, -1).every((s) => s === 700)).toBe(true);

    const first = await directory.listFilesAndDirectories().byPage({ maxPageSize: 10 }).next();
    const resumed = await directory
      .listFilesAndDirectories()
      .byPage({ continuationToken: first.value.continuationToken, maxPageSize: 3 })
      .next();
    expect(resumed.value.segment.fileItems.map((f: { name: string }) => f.name)).toEqual([
      nameOf(10),
      nameOf(11),
      nameOf(12),
    ]);
  });

  it("lists by prefix without walking the whole directory", async () => {
    const directory = service.getShareClient("big").getDirectoryClient("many");
    const names: string[] = [];
    for await (const item of directory.listFilesAndDirectories({ prefix: "file-1199" }))
      names.push(item.name);
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => nameOf(11990 + i)));
  });
});
