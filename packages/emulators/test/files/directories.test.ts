import { FileSystemAttributes, type ShareClient, ShareServiceClient } from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

let emulator: FilesEmulator;
let share: ShareClient;

beforeAll(async () => {
  emulator = await startFilesEmulator({ accounts: [{ name: "srcaccount" }] });
  share = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount")).getShareClient(
    "tree",
  );
  await share.create();
});
afterAll(async () => {
  await emulator.stop();
});

describe("directories", () => {
  it("creates a directory with metadata and SMB properties and reads them back", async () => {
    const creationTime = new Date("2020-01-02T03:04:05.678Z");
    const lastWriteTime = new Date("2021-02-03T04:05:06.789Z");
    const changeTime = new Date("2022-03-04T05:06:07.890Z");
    const attributes = new FileSystemAttributes();
    attributes.hidden = true;
    attributes.directory = true;
    const { filePermissionKey } = await share.createPermission("O:BAG:BAD:(A;;FA;;;BA)");
    const directory = share.getDirectoryClient("projects");
    const created = await directory.create({
      metadata: { purpose: "demo" },
      creationTime,
      lastWriteTime,
      changeTime,
      fileAttributes: attributes,
      filePermissionKey,
    });
    expect(created.fileCreatedOn).toEqual(creationTime);
    expect(created.fileId).toMatch(/^\d+$/);
    expect(created.fileParentId).toBe("0");

    const properties = await directory.getProperties();
    expect(properties.metadata).toEqual({ purpose: "demo" });
    expect(properties.fileCreatedOn).toEqual(creationTime);
    expect(properties.fileLastWriteOn).toEqual(lastWriteTime);
    expect(properties.fileChangeOn).toEqual(changeTime);
    expect(properties.fileAttributes).toBe("Hidden | Directory");
    expect(FileSystemAttributes.parse(properties.fileAttributes!).hidden).toBe(true);
    expect(properties.filePermissionKey).toBe(filePermissionKey);
    expect(properties.etag).toBe(created.etag);
    expect(properties._response.headers.get("x-ms-server-encrypted")).toBe("true");

    await expect(directory.create()).rejects.toMatchObject({
      statusCode: 409,
      code: "ResourceAlreadyExists",
    });
    expect((await directory.createIfNotExists()).succeeded).toBe(false);
  });

  it("defaults: Directory attribute, times of creation, the parent's permission", async () => {
    const before = Date.now();
    const directory = share.getDirectoryClient("plain");
    await directory.create();
    const properties = await directory.getProperties();
    expect(properties.fileAttributes).toBe("Directory");
    expect(properties.fileCreatedOn!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const root = await share.rootDirectoryClient.getProperties();
    expect(properties.filePermissionKey).toBe(root.filePermissionKey);
  });

  it("sets SMB properties (keeping what is not named) and metadata", async () => {
    const directory = share.getDirectoryClient("mutable");
    await directory.create({ metadata: { a: "1" } });
    const before = await directory.getProperties();
    const lastWriteTime = new Date("2023-05-06T07:08:09.123Z");
    const set = await directory.setProperties({ lastWriteTime });
    expect(set.fileLastWriteOn).toEqual(lastWriteTime);
    const after = await directory.getProperties();
    expect(after.fileCreatedOn).toEqual(before.fileCreatedOn);
    expect(after.fileLastWriteOn).toEqual(lastWriteTime);
    expect(after.fileAttributes).toBe("Directory");
    expect(after.metadata).toEqual({ a: "1" });
    await directory.setMetadata({ b: "2" });
    expect((await directory.getProperties()).metadata).toEqual({ b: "2" });
  });

  it("nests directories, refuses a missing parent, and refuses to delete a non-empty directory", async () => {
    const parent = share.getDirectoryClient("a");
    await parent.create();
    const child = parent.getDirectoryClient("b");
    await child.create();
    const grandchild = child.getDirectoryClient("c");
    await grandchild.create();
    expect((await grandchild.getProperties()).fileParentId).toBe((await child.getProperties()).fileId);
    await expect(share.getDirectoryClient("missing/child").create()).rejects.toMatchObject({
      statusCode: 404,
      code: "ParentNotFound",
    });
    await expect(child.delete()).rejects.toMatchObject({ statusCode: 409, code: "DirectoryNotEmpty" });
    await grandchild.delete();
    await child.delete();
    expect(await child.exists()).toBe(false);
    await expect(child.getProperties()).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    expect((await child.deleteIfExists()).succeeded).toBe(false);
  });

  it("lists files and directories, sorted, with include options, prefix and paging", async () => {
    const directory = share.getDirectoryClient("listing");
    await directory.create();
    for (const name of ["beta", "alpha"]) await directory.createSubdirectory(name);
    for (const name of ["gamma.txt", "Delta.txt", "epsilon.txt"]) await directory.createFile(name, 5);
    const seen: Array<{ kind: string; name: string }> = [];
    for await (const item of directory.listFilesAndDirectories({
      includeTimestamps: true,
      includeEtag: true,
      includeAttributes: true,
      includePermissionKey: true,
    })) {
      seen.push({ kind: item.kind, name: item.name });
      expect(item.fileId).toMatch(/^\d+$/);
      expect(item.attributes).toBe(item.kind === "file" ? "Archive" : "Directory");
      expect(item.permissionKey).toMatch(/^\d+\*\d+$/);
      expect(item.properties?.etag).toMatch(/^"0x/);
      expect(item.properties?.creationTime).toBeInstanceOf(Date);
      expect(item.properties?.lastModified).toBeInstanceOf(Date);
      if (item.kind === "file") expect(item.properties.contentLength).toBe(5);
    }
    // The SDK yields a page's files, then its directories; each in the service's (case-insensitive) order.
    expect(seen).toEqual([
      { kind: "file", name: "Delta.txt" },
      { kind: "file", name: "epsilon.txt" },
      { kind: "file", name: "gamma.txt" },
      { kind: "directory", name: "alpha" },
      { kind: "directory", name: "beta" },
    ]);

    const plain = await directory.listFilesAndDirectories().byPage().next();
    const firstFile = plain.value.segment.fileItems[0];
    expect(firstFile.properties.contentLength).toBe(5);
    expect(firstFile.properties.etag).toBeUndefined();
    expect(firstFile.attributes).toBeUndefined();

    const pages: number[] = [];
    const names: string[] = [];
    for await (const page of directory.listFilesAndDirectories().byPage({ maxPageSize: 2 })) {
      const items = [...page.segment.directoryItems, ...page.segment.fileItems];
      pages.push(items.length);
      names.push(...items.map((i) => i.name));
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(names.sort()).toEqual(["Delta.txt", "alpha", "beta", "epsilon.txt", "gamma.txt"].sort());

    const prefixed: string[] = [];
    for await (const item of directory.listFilesAndDirectories({ prefix: "e" })) prefixed.push(item.name);
    expect(prefixed).toEqual(["epsilon.txt"]);

    // Names are case-insensitive: "delta.txt" is the same file as "Delta.txt".
    expect((await directory.getFileClient("delta.txt").getProperties()).contentLength).toBe(5);
  });

  it("lists no handles and closes none (no SMB clients here)", async () => {
    const directory = share.getDirectoryClient("handles");
    await directory.create();
    const handles = [];
    for await (const handle of directory.listHandles()) handles.push(handle);
    expect(handles).toEqual([]);
    expect((await directory.forceCloseAllHandles()).closedHandlesCount).toBe(0);
  });
});
