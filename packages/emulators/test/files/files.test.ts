import { createHash, randomBytes } from "node:crypto";
import { FileSystemAttributes, type ShareClient, ShareServiceClient } from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

let emulator: FilesEmulator;
let share: ShareClient;

const md5 = (data: Buffer) => createHash("md5").update(data).digest();

beforeAll(async () => {
  emulator = await startFilesEmulator({ accounts: [{ name: "srcaccount" }] });
  share = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount")).getShareClient(
    "docs",
  );
  await share.create();
  await share.createDirectory("dir");
});
afterAll(async () => {
  await emulator.stop();
});

describe("files", () => {
  it("creates a file with size, content headers, metadata and SMB properties", async () => {
    const file = share.getDirectoryClient("dir").getFileClient("report.pdf");
    const attributes = new FileSystemAttributes();
    attributes.readonly = true;
    attributes.archive = true;
    const creationTime = new Date("2019-09-09T09:09:09.999Z");
    const contentMD5 = md5(Buffer.from("whatever"));
    const created = await file.create(1024, {
      fileHttpHeaders: {
        fileContentType: "application/pdf",
        fileContentEncoding: "identity",
        fileContentLanguage: "en-GB",
        fileCacheControl: "no-cache",
        fileContentDisposition: "attachment; filename=report.pdf",
        fileContentMD5: contentMD5,
      },
      metadata: { author: "ada", pages: "3" },
      fileAttributes: attributes,
      creationTime,
      lastWriteTime: creationTime,
    });
    expect(created.fileAttributes).toBe("ReadOnly | Archive");
    expect(created._response.headers.get("x-ms-request-server-encrypted")).toBe("true");

    const properties = await file.getProperties();
    expect(properties.contentLength).toBe(1024);
    expect(properties.contentType).toBe("application/pdf");
    expect(properties.contentEncoding).toBe("identity");
    expect(properties.contentLanguage).toBe("en-GB");
    expect(properties.cacheControl).toBe("no-cache");
    expect(properties.contentDisposition).toBe("attachment; filename=report.pdf");
    expect(Buffer.from(properties.contentMD5!)).toEqual(contentMD5);
    expect(properties.metadata).toEqual({ author: "ada", pages: "3" });
    expect(properties.fileAttributes).toBe("ReadOnly | Archive");
    expect(properties.fileCreatedOn).toEqual(creationTime);
    expect(properties.fileLastWriteOn).toEqual(creationTime);
    expect(properties.fileType).toBe("File");
    expect(properties.fileParentId).toBe((await share.getDirectoryClient("dir").getProperties()).fileId);
    expect(properties.etag).toBe(created.etag);

    // A new file reads as zeros until written.
    expect((await file.downloadToBuffer()).equals(Buffer.alloc(1024))).toBe(true);
  });

  it("writes, clears and lists ranges, and downloads whole files and ranges", async () => {
    const file = share.rootDirectoryClient.getFileClient("ranges.bin");
    await file.create(4096);
    const first = Buffer.from("0123456789");
    const uploaded = await file.uploadRange(first, 0, first.length);
    expect(Buffer.from(uploaded.contentMD5!)).toEqual(md5(first));
    await file.uploadRange(Buffer.alloc(512, 0x61), 1024, 512);
    await file.uploadRange(Buffer.alloc(512, 0x62), 1536, 512);
    await file.uploadRange(Buffer.alloc(100, 0x63), 3000, 100);
    expect((await file.getRangeList()).rangeList).toEqual([
      { start: 0, end: 9 },
      { start: 1024, end: 2047 },
      { start: 3000, end: 3099 },
    ]);
    await file.clearRange(1024, 512);
    expect((await file.getRangeList()).rangeList).toEqual([
      { start: 0, end: 9 },
      { start: 1536, end: 2047 },
      { start: 3000, end: 3099 },
    ]);
    expect((await file.getRangeList({ range: { offset: 1600, count: 2000 } })).rangeList).toEqual([
      { start: 1600, end: 2047 },
      { start: 3000, end: 3099 },
    ]);
    const listed = [];
    for await (const range of file.listRanges()) listed.push(range);
    expect(listed).toEqual([
      { start: 0, end: 9, isClear: false },
      { start: 1536, end: 2047, isClear: false },
      { start: 3000, end: 3099, isClear: false },
    ]);
    const pages = [];
    for await (const page of file.listRanges().byPage({ maxPageSize: 2 })) pages.push(page.ranges?.length);
    expect(pages).toEqual([2, 1]);

    const whole = await file.downloadToBuffer();
    expect(whole.length).toBe(4096);
    expect(whole.subarray(0, 10).toString()).toBe("0123456789");
    expect(whole.subarray(1024, 1536).equals(Buffer.alloc(512))).toBe(true);
    expect(whole.subarray(1536, 2048).equals(Buffer.alloc(512, 0x62))).toBe(true);

    const partial = await file.download(2, 5);
    expect(partial.contentRange).toBe("bytes 2-6/4096");
    expect(partial.contentLength).toBe(5);
    const text = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      partial.readableStreamBody!.on("data", (c: Buffer) => chunks.push(c));
      partial.readableStreamBody!.on("end", () => resolve(Buffer.concat(chunks).toString()));
    });
    expect(text).toBe("23456");
    const withMd5 = await file.download(0, 10, { rangeGetContentMD5: true });
    expect(Buffer.from(withMd5.contentMD5!)).toEqual(md5(first));
    expect((await file.downloadToBuffer(3000, 100)).equals(Buffer.alloc(100, 0x63))).toBe(true);
  });

  it("uploads and downloads multi-megabyte content through the SDK helpers", async () => {
    const data = randomBytes(9 * 1024 * 1024 + 123);
    const file = share.rootDirectoryClient.getFileClient("big.bin");
    await file.uploadData(data, { rangeSize: 4 * 1024 * 1024, concurrency: 3 });
    expect((await file.getProperties()).contentLength).toBe(data.length);
    const back = await file.downloadToBuffer(undefined, undefined, {
      rangeSize: 2 * 1024 * 1024,
      concurrency: 4,
    });
    expect(back.equals(data)).toBe(true);
    const streamed = await file.download();
    const chunks: Buffer[] = [];
    for await (const chunk of streamed.readableStreamBody!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it("creates a file with content in the create request", async () => {
    const file = share.rootDirectoryClient.getFileClient("inline.txt");
    const content = Buffer.from("created with data");
    const created = await file.create(content.length, { content, contentLength: content.length });
    expect(created._response.headers.get("content-md5")).toBe(md5(content).toString("base64"));
    expect((await file.downloadToBuffer()).toString()).toBe("created with data");
  });

  it("sets HTTP headers, SMB properties and size; content headers are replaced together", async () => {
    const file = share.rootDirectoryClient.getFileClient("props.txt");
    await file.create(100, {
      fileHttpHeaders: { fileContentType: "text/plain", fileCacheControl: "max-age=60" },
    });
    await file.uploadRange(Buffer.alloc(100, 0x7a), 0, 100);
    const before = await file.getProperties();

    await file.resize(40);
    let properties = await file.getProperties();
    expect(properties.contentLength).toBe(40);
    expect(properties.contentType).toBe("text/plain");
    expect(properties.cacheControl).toBe("max-age=60");
    expect((await file.getRangeList()).rangeList).toEqual([{ start: 0, end: 39 }]);
    await file.resize(80);
    expect((await file.downloadToBuffer()).subarray(40).equals(Buffer.alloc(40))).toBe(true);

    await file.setHttpHeaders({ fileContentType: "text/markdown" });
    properties = await file.getProperties();
    expect(properties.contentType).toBe("text/markdown");
    expect(properties.cacheControl).toBeUndefined();

    const lastWriteTime = new Date("2024-04-04T04:04:04.444Z");
    const hidden = new FileSystemAttributes();
    hidden.hidden = true;
    const set = await file.setProperties({ lastWriteTime, fileAttributes: hidden });
    expect(set.fileLastWriteOn).toEqual(lastWriteTime);
    properties = await file.getProperties();
    expect(properties.fileAttributes).toBe("Hidden");
    expect(properties.fileLastWriteOn).toEqual(lastWriteTime);
    expect(properties.fileCreatedOn).toEqual(before.fileCreatedOn);
    expect(properties.contentType).toBe("text/markdown");
    expect(properties.etag).not.toBe(before.etag);
  });

  it("sets metadata, replaces a file on create, and deletes", async () => {
    const file = share.rootDirectoryClient.getFileClient("meta.txt");
    await file.create(5, { metadata: { first: "1" } });
    await file.setMetadata({ second: "2", Mixed: "Case" });
    expect((await file.getProperties()).metadata).toEqual({ second: "2", mixed: "Case" });
    const { fileId } = await file.getProperties();
    await file.create(9);
    const replaced = await file.getProperties();
    expect(replaced.contentLength).toBe(9);
    expect(replaced.metadata).toEqual({});
    expect(replaced.fileId).toBe(fileId);
    await file.delete();
    expect(await file.exists()).toBe(false);
    await expect(file.delete()).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    expect((await file.deleteIfExists()).succeeded).toBe(false);
  });

  it("serves seeded files exactly like created ones", async () => {
    emulator.seedFile("srcaccount", "seeded", "deep/er/notes.md", "# hello", {
      contentType: "text/markdown",
      metadata: { seeded: "yes" },
      attributes: "ReadOnly",
      creationTime: new Date("2018-01-01T00:00:00Z"),
    });
    const seededShare = ShareServiceClient.fromConnectionString(
      emulator.connectionString("srcaccount"),
    ).getShareClient("seeded");
    const file = seededShare.getDirectoryClient("deep/er").getFileClient("notes.md");
    const properties = await file.getProperties();
    expect(properties).toMatchObject({
      contentLength: 7,
      contentType: "text/markdown",
      metadata: { seeded: "yes" },
    });
    expect(properties.fileAttributes).toBe("ReadOnly");
    expect(properties.fileCreatedOn).toEqual(new Date("2018-01-01T00:00:00Z"));
    expect((await file.downloadToBuffer()).toString()).toBe("# hello");
    expect((await seededShare.getDirectoryClient("deep").getProperties()).fileAttributes).toBe("Directory");
  });
});
