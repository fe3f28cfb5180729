import { ShareServiceClient } from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

let emulator: FilesEmulator;
let service: ShareServiceClient;

beforeAll(async () => {
  emulator = await startFilesEmulator({ accounts: [{ name: "srcaccount" }, { name: "dstaccount" }] });
  service = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"));
});
afterAll(async () => {
  await emulator.stop();
});

describe("shares", () => {
  it("creates a share with quota, access tier, protocols and metadata, and reads them back", async () => {
    const share = service.getShareClient("reports");
    const created = await share.create({
      quota: 50,
      accessTier: "Cool",
      protocols: { smbEnabled: true },
      metadata: { team: "finance", year: "2026" },
    });
    expect(created.etag).toMatch(/^"0x[0-9A-F]+"$/);
    expect(created.lastModified).toBeInstanceOf(Date);
    expect(created.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.version).toBe("2026-10-06");

    const properties = await share.getProperties();
    expect(properties.quota).toBe(50);
    expect(properties.accessTier).toBe("Cool");
    expect(properties.protocols).toEqual({ smbEnabled: true });
    expect(properties.metadata).toEqual({ team: "finance", year: "2026" });
    expect(properties.etag).toBe(created.etag);
    expect(properties.leaseState).toBe("available");

    await expect(share.create()).rejects.toMatchObject({ statusCode: 409, code: "ShareAlreadyExists" });
    expect((await share.createIfNotExists()).succeeded).toBe(false);
    expect(await share.exists()).toBe(true);
  });

  it("sets properties (quota, access tier) and metadata, changing the ETag", async () => {
    const share = service.getShareClient("settable");
    const { etag } = await share.create();
    expect((await share.getProperties()).accessTier).toBe("TransactionOptimized");
    const set = await share.setProperties({ quotaInGB: 7, accessTier: "Hot" });
    expect(set.etag).not.toBe(etag);
    await share.setMetadata({ owner: "ops" });
    const properties = await share.getProperties();
    expect(properties.quota).toBe(7);
    expect(properties.accessTier).toBe("Hot");
    expect(properties.metadata).toEqual({ owner: "ops" });
    await share.setMetadata({});
    expect((await share.getProperties()).metadata).toEqual({});
  });

  it("lists shares with prefix, metadata and paging markers", async () => {
    const other = ShareServiceClient.fromConnectionString(emulator.connectionString("dstaccount"));
    const names = Array.from({ length: 7 }, (_, i) => `paged-${i}`);
    for (const name of names)
      await other.getShareClient(name).create({ metadata: { index: name.slice(-1) } });
    await other.getShareClient("unrelated").create();

    const all: string[] = [];
    for await (const item of other.listShares({ prefix: "paged-", includeMetadata: true })) {
      all.push(item.name);
      expect(item.metadata).toEqual({ index: item.name.slice(-1) });
      expect(item.properties.quota).toBe(102400);
    }
    expect(all).toEqual(names);

    const pages: string[][] = [];
    for await (const page of other.listShares({ prefix: "paged-" }).byPage({ maxPageSize: 3 })) {
      pages.push((page.shareItems ?? []).map((s) => s.name));
      expect(page.shareItems?.[0]?.metadata).toBeUndefined();
    }
    expect(pages).toEqual([names.slice(0, 3), names.slice(3, 6), names.slice(6)]);

    const first = await other.listShares({ prefix: "paged-" }).byPage({ maxPageSize: 2 }).next();
    const token = first.value.continuationToken as string;
    expect(token).toBeTruthy();
    const resumed = await other
      .listShares({ prefix: "paged-" })
      .byPage({ continuationToken: token, maxPageSize: 10 })
      .next();
    expect(resumed.value.shareItems.map((s: { name: string }) => s.name)).toEqual(names.slice(2));
    // The other account's shares are its own.
    const mine: string[] = [];
    for await (const item of service.listShares({ prefix: "paged-" })) mine.push(item.name);
    expect(mine).toEqual([]);
  });

  it("reports usage statistics and deletes shares", async () => {
    const share = service.getShareClient("doomed");
    await share.create();
    const file = share.rootDirectoryClient.getFileClient("data.bin");
    await file.uploadData(Buffer.alloc(3000, 7));
    const stats = await share.getStatistics();
    expect(stats.shareUsageBytes).toBe(3000);
    expect(stats.shareUsage).toBe(1);
    await share.delete({ deleteSnapshots: "include" });
    await expect(share.getProperties()).rejects.toMatchObject({ statusCode: 404, code: "ShareNotFound" });
    expect(await share.exists()).toBe(false);
    expect((await share.deleteIfExists()).succeeded).toBe(false);
  });

  it("creates and reads file permissions (security descriptors) by key", async () => {
    const share = service.getShareClient("permissions");
    await share.create();
    const sddl = "O:S-1-5-21-1-2-3-500G:S-1-5-21-1-2-3-513D:(A;;FA;;;BA)(A;;0x1200a9;;;BU)";
    const { filePermissionKey } = await share.createPermission(sddl);
    expect(filePermissionKey).toMatch(/^\d+\*\d+$/);
    expect((await share.getPermission(filePermissionKey!)).permission).toBe(sddl);
    // The same descriptor yields the same key.
    expect((await share.createPermission(sddl)).filePermissionKey).toBe(filePermissionKey);
    await expect(share.createPermission("not a descriptor")).rejects.toMatchObject({ statusCode: 400 });
    await expect(share.getPermission("123*456")).rejects.toMatchObject({ statusCode: 404 });

    const file = share.rootDirectoryClient.getFileClient("secured.txt");
    await file.create(10, { filePermissionKey });
    expect((await file.getProperties()).filePermissionKey).toBe(filePermissionKey);
  });

  it("stores access policies and honours a SAS that names one", async () => {
    const share = service.getShareClient("policies");
    await share.create();
    await share.rootDirectoryClient.getFileClient("readme.txt").uploadData(Buffer.from("policy"));
    const expiresOn = new Date(Date.now() + 3600_000);
    await share.setAccessPolicy([
      {
        id: "readers",
        accessPolicy: { permissions: "rl", startsOn: new Date(Date.now() - 60_000), expiresOn },
      },
    ]);
    const policies = await share.getAccessPolicy();
    expect(policies.signedIdentifiers.map((p) => p.id)).toEqual(["readers"]);
    expect(policies.signedIdentifiers[0]?.accessPolicy?.permissions).toBe("rl");

    const sasUrl = share.generateSasUrl({ identifier: "readers" });
    const viaPolicy = new ShareServiceClient(sasUrl.replace("/policies?", "?")).getShareClient("policies");
    const text = await viaPolicy.rootDirectoryClient.getFileClient("readme.txt").downloadToBuffer();
    expect(text.toString()).toBe("policy");
    await expect(viaPolicy.rootDirectoryClient.getFileClient("new.txt").create(1)).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationPermissionMismatch",
    });
  });

  it("keeps service properties", async () => {
    const before = await service.getProperties();
    expect(before.hourMetrics?.enabled).toBe(false);
    await service.setProperties({
      hourMetrics: {
        enabled: true,
        version: "1.0",
        includeAPIs: true,
        retentionPolicy: { enabled: true, days: 3 },
      },
    });
    const after = await service.getProperties();
    expect(after.hourMetrics?.enabled).toBe(true);
    expect(after.hourMetrics?.retentionPolicy?.days).toBe(3);
  });

  it("counts requests and writes per account", async () => {
    emulator.resetStats("dstaccount");
    const other = ShareServiceClient.fromConnectionString(emulator.connectionString("dstaccount"));
    await other.getShareClient("counted").create();
    await other.getShareClient("counted").getProperties();
    await expect(other.getShareClient("missing").getProperties()).rejects.toThrow();
    const stats = emulator.stats("dstaccount");
    expect(stats).toMatchObject({ requests: 3, writes: 1, errors: 1 });
    expect(stats.operations).toEqual({ Share_Create: 1, Share_GetProperties: 2 });
  });
});
