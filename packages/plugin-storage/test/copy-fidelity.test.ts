// Byte-for-byte and 100 ns fidelity on every copy path: blobs and files labelled gzip (real and
// not), br and identity keep their stored bytes (MD5 of what the service holds, read without
// any decoding), and SMB times with seven fractional digits survive — through one-request copies
// (Copy Blob From URL, Copy File) and through block / range copies (--chunked-copy-above-mib 0).
import { createHash, randomBytes } from "node:crypto";
import { get } from "node:http";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { BlobSASPermissions } from "@azure/storage-blob";
import { FileSASPermissions } from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bed, startBed } from "./helpers/bed.js";
import { replicate } from "./helpers/run.js";

const SRC = "fidsource";
const text = Buffer.from("date,amount\n2026-03-01,12.50\n".repeat(2000));
/** 1.5 MiB that gzip cannot shrink: two blocks at --block-size-mib 1. */
const large = randomBytes(1.5 * 1024 * 1024);
const CONTENT: ReadonlyArray<readonly [name: string, encoding: string, bytes: Buffer]> = [
  ["valid-gzip.csv", "gzip", gzipSync(text)],
  ["invalid-gzip.csv", "gzip", Buffer.from("labelled gzip, but these bytes are plain text")],
  ["brotli.csv", "br", brotliCompressSync(text)],
  ["identity.csv", "identity", text],
  ["large-gzip.bin", "gzip", gzipSync(large)],
];
const TIMES = {
  creationTime: "2019-01-02T03:04:05.1234567Z",
  lastWriteTime: "2020-06-07T08:09:10.9876543Z",
  changeTime: "2021-11-12T13:14:15.5555555Z",
};
const DIR_TIMES = {
  creationTime: "2018-05-06T07:08:09.0000001Z",
  lastWriteTime: "2018-05-06T07:08:09.9999999Z",
  changeTime: "2018-05-06T07:08:10.1010101Z",
};

let bed: Bed;

const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");
const inOneHour = () => new Date(Date.now() + 3600_000);

/** GET without decoding (the SDK's Node client gunzips): the bytes the service stores. */
function rawGet(url: string): Promise<{ body: Buffer; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { "x-ms-version": "2025-01-05" } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => {
        if ((response.statusCode ?? 0) >= 300)
          reject(new Error(`GET ${url.split("?")[0]}: ${response.statusCode}`));
        else resolve({ body: Buffer.concat(chunks), encoding: response.headers["content-encoding"] });
      });
    }).on("error", reject);
  });
}

async function storedBlob(account: string, name: string) {
  const blob = bed.blob(account).getContainerClient("encoded").getBlockBlobClient(name);
  return rawGet(
    await blob.generateSasUrl({ permissions: BlobSASPermissions.parse("r"), expiresOn: inOneHour() }),
  );
}

async function storedFile(account: string, name: string) {
  const file = bed.share(account).getShareClient("encoded").getDirectoryClient("data").getFileClient(name);
  return rawGet(
    await file.generateSasUrl({ permissions: FileSASPermissions.parse("r"), expiresOn: inOneHour() }),
  );
}

/** The SMB times exactly as the service sends them (the SDK's `Date`s would cut them to ms). */
async function smbTimes(account: string, path: string, kind: "file" | "directory") {
  const share = bed.share(account).getShareClient("encoded");
  const response =
    kind === "file"
      ? await share.rootDirectoryClient.getFileClient(path).getProperties()
      : await share.getDirectoryClient(path).getProperties();
  const h = response._response.headers;
  return {
    creationTime: h.get("x-ms-file-creation-time"),
    lastWriteTime: h.get("x-ms-file-last-write-time"),
    changeTime: h.get("x-ms-file-change-time"),
  };
}

beforeAll(async () => {
  bed = await startBed([SRC, "fidsingle", "fidchunked"]);
  const container = bed.blob(SRC).getContainerClient("encoded");
  await container.create();
  bed.files.seedDirectory(SRC, "encoded", "data", DIR_TIMES);
  for (const [name, encoding, bytes] of CONTENT) {
    await container
      .getBlockBlobClient(name)
      .uploadData(bytes, { blobHTTPHeaders: { blobContentEncoding: encoding, blobContentType: "text/csv" } });
    bed.files.seedFile(SRC, "encoded", `data/${name}`, bytes, {
      contentEncoding: encoding,
      contentType: "text/csv",
      ...TIMES,
    });
  }
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe.each([
  ["one request per blob and file (Copy Blob From URL, Copy File)", "fidsingle", {}],
  [
    "blocks and ranges (Put Block From URL, Put Range From URL)",
    "fidchunked",
    { "chunked-copy-above-mib": 0, "block-size-mib": 1 },
  ],
] as const)("%s", (_label, target, options) => {
  it("keeps the stored bytes of every encoding, and the 100 ns SMB times", async () => {
    const run = await replicate(bed, SRC, target, { options });
    expect(run.result.counts.failed, JSON.stringify(run.result.errors.slice(0, 3))).toBe(0);
    expect(run.result.success).toBe(true);
    if (target === "fidchunked") {
      const operations = run.requests
        .filter((r) => r.copy)
        .map((r) => new URL(r.url).searchParams.get("comp"));
      expect(operations).toContain("block"); // Put Block From URL
      expect(operations).toContain("range"); // Put Range From URL
    }
    for (const [name, encoding, bytes] of CONTENT) {
      const blob = await storedBlob(target, name);
      expect({ name, md5: md5(blob.body), encoding: blob.encoding }).toEqual({
        name,
        md5: md5(bytes),
        encoding,
      });
      const file = await storedFile(target, name);
      expect({ name, md5: md5(file.body), encoding: file.encoding }).toEqual({
        name,
        md5: md5(bytes),
        encoding,
      });
      expect(await smbTimes(target, `data/${name}`, "file"), name).toEqual(TIMES);
    }
    expect(await smbTimes(target, "data", "directory")).toEqual(DIR_TIMES);

    const again = await replicate(bed, SRC, target, { options });
    expect(again.result.counts.created + again.result.counts.updated).toBe(0);
    expect(again.result.counts.failed).toBe(0);
  }, 120_000);
});
