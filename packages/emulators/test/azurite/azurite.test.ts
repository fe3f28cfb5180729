import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { BlobSASPermissions, BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AzuriteInstance, startAzurite } from "../../src/azurite/index.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (pids.some(isAlive)) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`still alive after ${timeoutMs} ms: ${pids.filter(isAlive)}`);
    await sleep(50);
  }
  return Date.now() - started;
}

const inOneHour = () => new Date(Date.now() + 3600_000);

describe("startAzurite", () => {
  let azurite: AzuriteInstance;

  beforeAll(async () => {
    azurite = await startAzurite({ accounts: [{ name: "srcaccount" }, { name: "dstaccount" }] });
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it("serves two accounts on a loopback port with path-style endpoints and connection strings", () => {
    expect(azurite.accounts.map((a) => a.name)).toEqual(["srcaccount", "dstaccount"]);
    for (const { key } of azurite.accounts) expect(Buffer.from(key, "base64")).toHaveLength(64);
    expect(azurite.blobEndpoint("srcaccount")).toBe(`http://127.0.0.1:${azurite.ports.blob}/srcaccount`);
    expect(azurite.connectionString("dstaccount")).toBe(
      `DefaultEndpointsProtocol=http;AccountName=dstaccount;AccountKey=${azurite.accounts[1]!.key};BlobEndpoint=http://127.0.0.1:${azurite.ports.blob}/dstaccount;`,
    );
    expect(azurite.queueEndpoint).toBeUndefined();
    expect(() => azurite.blobEndpoint("nosuchaccount")).toThrow(/unknown account/);
    expect(isAlive(azurite.pid)).toBe(true);
  });

  it("copies a blob across accounts with syncCopyFromURL and stageBlockFromURL using a SAS", async () => {
    const source = BlobServiceClient.fromConnectionString(azurite.connectionString("srcaccount"));
    const target = BlobServiceClient.fromConnectionString(azurite.connectionString("dstaccount"));
    const sourceContainer = source.getContainerClient("photos");
    await sourceContainer.create({ metadata: { owner: "alice" } });
    const content = Buffer.from("x".repeat(3000) + "y".repeat(3000));
    const sourceBlob = sourceContainer.getBlockBlobClient("2026/cat.jpg");
    await sourceBlob.upload(content, content.length, {
      metadata: { camera: "pinhole" },
      blobHTTPHeaders: { blobContentType: "image/jpeg" },
      tags: { project: "demo" },
    });
    const sasUrl = await sourceBlob.generateSasUrl({
      permissions: BlobSASPermissions.parse("r"),
      expiresOn: inOneHour(),
    });

    const targetContainer = target.getContainerClient("photos-copy");
    await targetContainer.create();
    const synced = targetContainer.getBlockBlobClient("synced.jpg");
    const copy = await synced.syncCopyFromURL(sasUrl);
    expect(copy.copyStatus).toBe("success");
    expect((await synced.downloadToBuffer()).equals(content)).toBe(true);
    expect((await synced.getProperties()).metadata).toEqual({ camera: "pinhole" });

    const staged = targetContainer.getBlockBlobClient("staged.jpg");
    const blockIds = ["block-000", "block-001"].map((id) => Buffer.from(id).toString("base64"));
    await staged.stageBlockFromURL(blockIds[0]!, sasUrl, 0, 3000);
    await staged.stageBlockFromURL(blockIds[1]!, sasUrl, 3000, 3000);
    await staged.commitBlockList(blockIds, { blobHTTPHeaders: { blobContentType: "image/jpeg" } });
    expect((await staged.downloadToBuffer()).equals(content)).toBe(true);

    // Without a SAS the source account refuses the other account's copy.
    const refused = targetContainer.getBlockBlobClient("refused.jpg");
    await expect(refused.syncCopyFromURL(sourceBlob.url)).rejects.toMatchObject({
      statusCode: expect.any(Number),
    });
  });

  it("stops cleanly: the child exits after stop()", async () => {
    const other = await startAzurite({ accounts: [{ name: "solo" }] });
    const pid = other.pid;
    expect(isAlive(pid)).toBe(true);
    await other.stop();
    expect(isAlive(pid)).toBe(false);
    await other.stop(); // idempotent
  });
});

describe("Azurite children never outlive their parent", () => {
  it("exit within seconds when the parent is SIGKILLed", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/start-azurite-and-wait.mjs", import.meta.url));
    const parent = spawn(process.execPath, [fixture, "blob,table"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await once(createInterface({ input: parent.stdout! }), "line")) as [string];
      const started = JSON.parse(line) as {
        pids: { blob: number; table: number };
        blob: number;
        table: number;
      };
      const children = [started.pids.blob, started.pids.table];
      expect(children.every(isAlive)).toBe(true);
      const answer = await fetch(`http://127.0.0.1:${started.table}/srcaccount/Tables`);
      expect(answer.status).toBeGreaterThanOrEqual(400); // listening; anonymous requests are refused
      parent.kill("SIGKILL");
      // a deadline, not a measure: on a loaded machine the children notice later, but they must go
      await waitUntilGone(children, 60_000);
      expect(children.some(isAlive)).toBe(false);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
    }
  });
});
