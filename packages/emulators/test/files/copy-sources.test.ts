// Copy sources as the service treats them: the bytes as stored whatever their Content-Encoding,
// a path with `%2F` the same as one with `/`, this emulator recognised however loopback is
// spelt (SDDL included), and an honest failure where the permission cannot be copied.
import { createHash } from "node:crypto";
import { get } from "node:http";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { BlobSASPermissions, BlobServiceClient } from "@azure/storage-blob";
import {
  FileSASPermissions,
  type ShareClient,
  type ShareFileClient,
  ShareSASPermissions,
  ShareServiceClient,
} from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AzuriteInstance, startAzurite } from "../../src/azurite/index.js";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

let azurite: AzuriteInstance;
let emulator: FilesEmulator;
let other: FilesEmulator;
let blobs: BlobServiceClient;
let source: ShareServiceClient;
let target: ShareServiceClient;
let landing: ShareClient;

const SDDL = "O:S-1-5-21-1-2-3-500G:S-1-5-21-1-2-3-513D:(A;;FA;;;BA)(A;;0x1200a9;;;BU)";
const text = Buffer.from("month,total\n".repeat(400));
/** Each encoding with bytes labelled so: real gzip, bytes that are not gzip, brotli, identity. */
const ENCODINGS: ReadonlyArray<readonly [name: string, encoding: string, bytes: Buffer]> = [
  ["valid-gzip", "gzip", gzipSync(text)],
  ["invalid-gzip", "gzip", Buffer.from("these bytes are not gzip at all")],
  ["br", "br", brotliCompressSync(text)],
  ["identity", "identity", text],
];

const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");
const inOneHour = () => new Date(Date.now() + 3600_000);

/** GET without any decoding (the SDK's Node client would gunzip): the bytes the service stores. */
function rawGet(url: string): Promise<{ body: Buffer; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { "x-ms-version": "2026-10-06" } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => {
        if ((response.statusCode ?? 0) >= 300) reject(new Error(`GET ${response.statusCode}`));
        else resolve({ body: Buffer.concat(chunks), encoding: response.headers["content-encoding"] });
      });
    }).on("error", reject);
  });
}

async function stored(file: ShareFileClient): Promise<{ body: Buffer; encoding: string | undefined }> {
  return rawGet(
    await file.generateSasUrl({ permissions: FileSASPermissions.parse("r"), expiresOn: inOneHour() }),
  );
}

async function waitForCopy(file: ShareFileClient): Promise<{ status?: string; description?: string }> {
  for (;;) {
    const p = await file.getProperties();
    if (p.copyStatus !== "pending") return { status: p.copyStatus, description: p.copyStatusDescription };
    await new Promise((r) => setImmediate(r));
  }
}

function withHost(url: string, host: string): string {
  const u = new URL(url);
  u.hostname = host;
  return u.toString();
}

beforeAll(async () => {
  [azurite, emulator, other] = await Promise.all([
    startAzurite({ accounts: [{ name: "blobsrc" }] }),
    startFilesEmulator({ accounts: [{ name: "srcaccount" }, { name: "dstaccount" }] }),
    startFilesEmulator({ accounts: [{ name: "elsewhere" }] }),
  ]);
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString("blobsrc"));
  await blobs.getContainerClient("encoded").create();
  for (const [name, encoding, bytes] of ENCODINGS) {
    emulator.seedFile("srcaccount", "encoded", `${name}.csv`, bytes, { contentEncoding: encoding });
    emulator.seedFile("dstaccount", "same", `dir/${name}.csv`, bytes, { contentEncoding: encoding });
    await blobs
      .getContainerClient("encoded")
      .getBlockBlobClient(`${name}.csv`)
      .uploadData(bytes, { blobHTTPHeaders: { blobContentEncoding: encoding } });
  }
  emulator.seedFile("srcaccount", "origin", "deep/secured.txt", "guarded", {
    permission: SDDL,
    creationTime: "2021-02-03T04:05:06.1234567Z",
    lastWriteTime: "2022-03-04T05:06:07.7654321Z",
  });
  emulator.seedFile("dstaccount", "same", "deep/secured.txt", "guarded", {
    permission: SDDL,
    lastWriteTime: "2022-03-04T05:06:07.7654321Z",
  });
  other.seedFile("elsewhere", "far", "secured.txt", "guarded", { permission: SDDL });
  source = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"));
  target = ShareServiceClient.fromConnectionString(emulator.connectionString("dstaccount"));
  landing = target.getShareClient("landing");
  await landing.create();
});
afterAll(async () => {
  await Promise.all([emulator?.stop(), other?.stop(), azurite?.stop()]);
});

describe("a copy source is read as stored bytes, whatever its Content-Encoding", () => {
  for (const [name, encoding, bytes] of ENCODINGS) {
    it(`${name}: Copy File and Put Range From URL, from a file and from a blob`, async () => {
      const fileSource = await source
        .getShareClient("encoded")
        .rootDirectoryClient.getFileClient(`${name}.csv`)
        .generateSasUrl({ permissions: FileSASPermissions.parse("r"), expiresOn: inOneHour() });
      const blobSource = await blobs
        .getContainerClient("encoded")
        .getBlockBlobClient(`${name}.csv`)
        .generateSasUrl({ permissions: BlobSASPermissions.parse("r"), expiresOn: inOneHour() });
      const sameAccount = target
        .getShareClient("same")
        .getDirectoryClient("dir")
        .getFileClient(`${name}.csv`).url;
      for (const [from, url] of [
        ["file", fileSource],
        ["blob", blobSource],
        ["same-account", sameAccount],
      ] as const) {
        const copied = landing.rootDirectoryClient.getFileClient(`${name}-${from}-copy.csv`);
        await copied.startCopyFromURL(url);
        expect(await waitForCopy(copied), `${from} Copy File`).toEqual({ status: "success" });
        const ranged = landing.rootDirectoryClient.getFileClient(`${name}-${from}-ranges.csv`);
        await ranged.create(bytes.length, { fileHttpHeaders: { fileContentEncoding: encoding } });
        const half = Math.ceil(bytes.length / 2);
        await ranged.uploadRangeFromURL(url, 0, 0, half);
        await ranged.uploadRangeFromURL(url, half, half, bytes.length - half);
        for (const file of [copied, ranged]) {
          const { body, encoding: header } = await stored(file);
          expect(md5(body), `${from} ${file.name}`).toBe(md5(bytes));
          expect(header).toBe(encoding);
        }
      }
    });
  }
});

describe("a copy source path with %2F", () => {
  it("names the same file as with /: same account (Shared Key) and across accounts (SAS)", async () => {
    const plain = target.getShareClient("same").getDirectoryClient("deep").getFileClient("secured.txt").url;
    const encoded = plain.replace("/deep/secured.txt", "/deep%2Fsecured.txt");
    expect(encoded).toContain("%2F");
    const sas = await source
      .getShareClient("origin")
      .getDirectoryClient("deep")
      .getFileClient("secured.txt")
      .generateSasUrl({ permissions: FileSASPermissions.parse("r"), expiresOn: inOneHour() });
    const crossEncoded = sas.replace("/deep/secured.txt", "/deep%2Fsecured.txt");
    for (const [label, url] of [
      ["same account", encoded],
      ["other account", crossEncoded],
    ] as const) {
      const copied = landing.rootDirectoryClient.getFileClient(`pct-${label.replace(" ", "-")}.txt`);
      await copied.startCopyFromURL(url);
      expect(await waitForCopy(copied), label).toEqual({ status: "success" });
      expect((await copied.downloadToBuffer()).toString()).toBe("guarded");
      const ranged = landing.rootDirectoryClient.getFileClient(`pct-${label.replace(" ", "-")}-range.txt`);
      await ranged.create(7);
      await ranged.uploadRangeFromURL(url, 0, 0, 7);
      expect((await ranged.downloadToBuffer()).toString()).toBe("guarded");
    }
  });
});

describe("this emulator, however loopback is spelt", () => {
  it("copies the permission (SDDL) and 100 ns times from 127.0.0.1 and localhost alike", async () => {
    const sas = await source
      .getShareClient("origin")
      .getDirectoryClient("deep")
      .getFileClient("secured.txt")
      .generateSasUrl({ permissions: FileSASPermissions.parse("r"), expiresOn: inOneHour() });
    const sameAccount = target
      .getShareClient("same")
      .getDirectoryClient("deep")
      .getFileClient("secured.txt").url;
    for (const host of ["127.0.0.1", "localhost"]) {
      for (const [label, url] of [
        ["sas", sas],
        ["shared-key", sameAccount],
      ] as const) {
        const copied = landing.rootDirectoryClient.getFileClient(`perm-${host}-${label}.txt`);
        await copied.startCopyFromURL(withHost(url, host), {
          copyFileSmbInfo: {
            filePermissionCopyMode: "source",
            fileLastWriteTime: "source",
          },
        });
        expect(await waitForCopy(copied), `${host} ${label}`).toEqual({ status: "success" });
        const properties = await copied.getProperties();
        expect(
          (await landing.getPermission(properties.filePermissionKey!)).permission,
          `${host} ${label}`,
        ).toBe(SDDL);
        expect(properties._response.headers.get("x-ms-file-last-write-time")).toBe(
          "2022-03-04T05:06:07.7654321Z",
        );
      }
    }
  });

  it("fails the copy (never a default permission) when the source file's permission cannot be read", async () => {
    const far = await ShareServiceClient.fromConnectionString(other.connectionString("elsewhere"))
      .getShareClient("far")
      .rootDirectoryClient.getFileClient("secured.txt")
      .generateSasUrl({ permissions: FileSASPermissions.parse("r"), expiresOn: inOneHour() });
    const copied = landing.rootDirectoryClient.getFileClient("perm-foreign.txt");
    await copied.startCopyFromURL(far, { copyFileSmbInfo: { filePermissionCopyMode: "source" } });
    const outcome = await waitForCopy(copied);
    expect(outcome.status).toBe("failed");
    expect(outcome.description).toMatch(/^501 NotImplemented .*permission-copy-mode/);
    // Without asking for the permission, the same source copies.
    const plain = landing.rootDirectoryClient.getFileClient("foreign-plain.txt");
    await plain.startCopyFromURL(far);
    expect(await waitForCopy(plain)).toEqual({ status: "success" });
  });
});

describe("listing entries", () => {
  it("put <Name> before <FileId>, as the spec and the service do", async () => {
    const sas = await target.getShareClient("same").generateSasUrl({
      permissions: ShareSASPermissions.parse("rl"),
      expiresOn: inOneHour(),
    });
    const url = sas.replace("/same?", "/same/dir?restype=directory&comp=list&");
    const { body } = await rawGet(url);
    const xml = body.toString("utf8");
    expect(xml).toMatch(/<File><Name>[^<]+<\/Name><FileId>/);
    expect(xml).not.toMatch(/<FileId>[^<]*<\/FileId><Name>/);
  });
});
