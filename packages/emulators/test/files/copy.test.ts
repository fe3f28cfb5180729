import { setTimeout as sleep } from "node:timers/promises";
import { BlobSASPermissions, BlobServiceClient } from "@azure/storage-blob";
import {
  FileSASPermissions,
  FileSystemAttributes,
  type ShareFileClient,
  ShareSASPermissions,
  ShareServiceClient,
} from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AzuriteInstance, startAzurite } from "../../src/azurite/index.js";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

let azurite: AzuriteInstance;
let emulator: FilesEmulator;
let source: ShareServiceClient;
let target: ShareServiceClient;
let blobSasUrl: string;
const blobContent = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));

const inOneHour = () => new Date(Date.now() + 3600_000);

async function waitForCopy(file: ShareFileClient): Promise<string | undefined> {
  // polls the condition; the test's time-out is the deadline (a loaded machine copies slower)
  for (let i = 0; i < 3000; i++) {
    const { copyStatus } = await file.getProperties();
    if (copyStatus !== "pending") return copyStatus;
    await sleep(20);
  }
  throw new Error("copy still pending");
}

beforeAll(async () => {
  [azurite, emulator] = await Promise.all([
    startAzurite({ accounts: [{ name: "blobsrc" }] }),
    startFilesEmulator({ accounts: [{ name: "srcaccount" }, { name: "dstaccount" }] }),
  ]);
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString("blobsrc"));
  const container = blobs.getContainerClient("inputs");
  await container.create();
  const blob = container.getBlockBlobClient("data.bin");
  await blob.uploadData(blobContent, {
    blobHTTPHeaders: { blobContentType: "application/x-demo" },
    metadata: { origin: "azurite" },
  });
  blobSasUrl = await blob.generateSasUrl({
    permissions: BlobSASPermissions.parse("r"),
    expiresOn: inOneHour(),
  });

  source = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"));
  target = ShareServiceClient.fromConnectionString(emulator.connectionString("dstaccount"));
  await source.getShareClient("origin").create();
  await target.getShareClient("landing").create();
  const attributes = new FileSystemAttributes();
  attributes.readonly = true;
  const original = source.getShareClient("origin").rootDirectoryClient.getFileClient("original.txt");
  await original.create(26, {
    fileHttpHeaders: { fileContentType: "text/plain", fileContentLanguage: "en" },
    metadata: { kind: "alphabet" },
    fileAttributes: attributes,
    creationTime: new Date("2015-05-05T05:05:05.000Z"),
    lastWriteTime: new Date("2016-06-06T06:06:06.000Z"),
  });
  await original.uploadRange(Buffer.from("abcdefghijklmnopqrstuvwxyz"), 0, 26);
  // The range write moved the last-write time to now; put it back.
  await original.setProperties({ lastWriteTime: new Date("2016-06-06T06:06:06.000Z") });
});
afterAll(async () => {
  await Promise.all([emulator?.stop(), azurite?.stop()]);
});

describe("Put Range From URL", () => {
  it("copies ranges of an Azurite blob (blob SAS in the URL) into a file", async () => {
    const file = target.getShareClient("landing").rootDirectoryClient.getFileClient("from-blob.bin");
    await file.create(blobContent.length);
    await file.uploadRangeFromURL(blobSasUrl, 0, 0, 4096);
    await file.uploadRangeFromURL(blobSasUrl, 4096, 4096, blobContent.length - 4096);
    expect((await file.downloadToBuffer()).equals(blobContent)).toBe(true);
    expect((await file.getRangeList()).rangeList).toEqual([{ start: 0, end: blobContent.length - 1 }]);
    const offset = target.getShareClient("landing").rootDirectoryClient.getFileClient("offset.bin");
    await offset.create(100);
    await offset.uploadRangeFromURL(blobSasUrl, 10, 50, 20);
    const data = await offset.downloadToBuffer();
    expect(data.subarray(50, 70).equals(blobContent.subarray(10, 30))).toBe(true);
    expect(data.subarray(0, 50).equals(Buffer.alloc(50))).toBe(true);
  });

  it("copies from a file in another account of this emulator with a file SAS", async () => {
    const original = source.getShareClient("origin").rootDirectoryClient.getFileClient("original.txt");
    const sasUrl = await original.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
    });
    const file = target.getShareClient("landing").rootDirectoryClient.getFileClient("from-file.txt");
    await file.create(26);
    await file.uploadRangeFromURL(sasUrl, 13, 0, 13);
    await file.uploadRangeFromURL(sasUrl, 0, 13, 13);
    expect((await file.downloadToBuffer()).toString()).toBe("nopqrstuvwxyzabcdefghijklm");
  });

  it("fails with CannotVerifyCopySource and the source's status when the source refuses", async () => {
    const original = source.getShareClient("origin").rootDirectoryClient.getFileClient("original.txt");
    const file = target.getShareClient("landing").rootDirectoryClient.getFileClient("refused.txt");
    await file.create(26);
    await expect(file.uploadRangeFromURL(original.url, 0, 0, 26)).rejects.toMatchObject({
      statusCode: 401,
      code: "CannotVerifyCopySource",
    });
    const expired = await original.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      startsOn: new Date(Date.now() - 7200_000),
      expiresOn: new Date(Date.now() - 3600_000),
    });
    const error = await file.uploadRangeFromURL(expired, 0, 0, 26).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 403, code: "CannotVerifyCopySource" });
    expect(
      (error as { response: { headers: Headers } }).response.headers.get("x-ms-copy-source-error-code"),
    ).toBe("AuthenticationFailed");
  });

  it("reads a same-account source without a SAS (Shared Key of the destination)", async () => {
    const share = source.getShareClient("origin");
    const copy = share.rootDirectoryClient.getFileClient("same-account.txt");
    await copy.create(5);
    await copy.uploadRangeFromURL(share.rootDirectoryClient.getFileClient("original.txt").url, 21, 0, 5);
    expect((await copy.downloadToBuffer()).toString()).toBe("vwxyz");
  });
});

describe("Copy File (start copy from URL)", () => {
  it("copies a file across accounts: pending, then success, with content, headers, metadata and SMB times on request", async () => {
    const original = source.getShareClient("origin").rootDirectoryClient.getFileClient("original.txt");
    const sasUrl = await original.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
    });
    const file = target.getShareClient("landing").rootDirectoryClient.getFileClient("copied.txt");
    const started = await file.startCopyFromURL(sasUrl, {
      copyFileSmbInfo: {
        fileAttributes: "source",
        fileCreationTime: "source",
        fileLastWriteTime: "source",
        filePermissionCopyMode: "source",
      },
    });
    expect(started.copyStatus).toBe("pending");
    expect(started.copyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await waitForCopy(file)).toBe("success");
    const properties = await file.getProperties();
    expect(properties.copyId).toBe(started.copyId);
    expect(properties.copyProgress).toBe("26/26");
    expect(properties.copySource).toBe(sasUrl);
    expect(properties.copyCompletedOn).toBeInstanceOf(Date);
    expect(properties.contentLength).toBe(26);
    expect(properties.contentType).toBe("text/plain");
    expect(properties.contentLanguage).toBe("en");
    expect(properties.metadata).toEqual({ kind: "alphabet" });
    expect(properties.fileAttributes).toBe("ReadOnly");
    expect(properties.fileCreatedOn).toEqual(new Date("2015-05-05T05:05:05.000Z"));
    expect(properties.fileLastWriteOn).toEqual(new Date("2016-06-06T06:06:06.000Z"));
    expect((await file.downloadToBuffer()).toString()).toBe("abcdefghijklmnopqrstuvwxyz");
  });

  it("copies an Azurite blob into a file, with the blob's metadata and content type", async () => {
    const file = target.getShareClient("landing").rootDirectoryClient.getFileClient("blob-copy.bin");
    await file.startCopyFromURL(blobSasUrl);
    expect(await waitForCopy(file)).toBe("success");
    const properties = await file.getProperties();
    expect(properties.metadata).toEqual({ origin: "azurite" });
    expect(properties.contentType).toBe("application/x-demo");
    expect(properties.fileAttributes).toBe("Archive");
    expect((await file.downloadToBuffer()).equals(blobContent)).toBe(true);
  });

  it("uses the request's metadata instead of the source's when it sends any", async () => {
    // @azure/storage-file-share 12.33 drops the `metadata` option of startCopyFromURL, so send the
    // request by hand, authorized by a SAS on the destination.
    const file = target.getShareClient("landing").rootDirectoryClient.getFileClient("with-metadata.bin");
    const destinationSas = await target
      .getShareClient("landing")
      .generateSasUrl({ permissions: ShareSASPermissions.parse("rcw"), expiresOn: inOneHour() });
    const url = destinationSas.replace("/landing?", "/landing/with-metadata.bin?");
    const response = await fetch(url, {
      method: "PUT",
      headers: { "x-ms-version": "2026-10-06", "x-ms-copy-source": blobSasUrl, "x-ms-meta-copied": "true" },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get("x-ms-copy-status")).toBe("pending");
    expect(await waitForCopy(file)).toBe("success");
    expect((await file.getProperties()).metadata).toEqual({ copied: "true" });
  });

  it("records a failed copy when the source cannot be read", async () => {
    const file = target.getShareClient("landing").rootDirectoryClient.getFileClient("failed.txt");
    const missing = source.getShareClient("origin").rootDirectoryClient.getFileClient("missing.txt");
    const sasUrl = await missing.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
    });
    await file.startCopyFromURL(sasUrl);
    expect(await waitForCopy(file)).toBe("failed");
    expect((await file.getProperties()).copyStatusDescription).toMatch(/^404 ResourceNotFound/);
  });

  it("refuses a copy into a missing directory and an invalid source URL", async () => {
    const file = target.getShareClient("landing").getDirectoryClient("nowhere").getFileClient("x.txt");
    await expect(file.startCopyFromURL(blobSasUrl)).rejects.toMatchObject({
      statusCode: 404,
      code: "ParentNotFound",
    });
    const here = target.getShareClient("landing").rootDirectoryClient.getFileClient("x.txt");
    await expect(here.startCopyFromURL("not a url")).rejects.toMatchObject({
      statusCode: 400,
      code: "InvalidHeaderValue",
    });
  });

  it("aborts a pending copy, and refuses to abort when nothing is pending", async () => {
    const slow = await startFilesEmulator({ accounts: [{ name: "slowaccount" }], copyDelayMs: 1000 });
    try {
      const share = ShareServiceClient.fromConnectionString(
        slow.connectionString("slowaccount"),
      ).getShareClient("slow");
      await share.create();
      const file = share.rootDirectoryClient.getFileClient("aborted.bin");
      const { copyId } = await file.startCopyFromURL(blobSasUrl);
      expect((await file.getProperties()).copyStatus).toBe("pending");
      await expect(file.abortCopyFromURL("00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({
        statusCode: 409,
        code: "CopyIdMismatch",
      });
      await file.abortCopyFromURL(copyId!);
      const properties = await file.getProperties();
      expect(properties.copyStatus).toBe("aborted");
      expect(properties.contentLength).toBe(0);
      await expect(file.abortCopyFromURL(copyId!)).rejects.toMatchObject({
        statusCode: 409,
        code: "NoPendingCopyOperation",
      });
    } finally {
      await slow.stop();
    }
  });
});
