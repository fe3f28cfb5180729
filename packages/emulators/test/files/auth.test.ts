import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  FileSASPermissions,
  generateAccountSASQueryParameters,
  SASProtocol,
  ShareClient,
  ShareDirectoryClient,
  ShareFileClient,
  ShareSASPermissions,
  ShareServiceClient,
  StorageSharedKeyCredential,
} from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

let emulator: FilesEmulator;
let service: ShareServiceClient;
let key: string;

const inOneHour = () => new Date(Date.now() + 3600_000);

beforeAll(async () => {
  emulator = await startFilesEmulator({ accounts: [{ name: "srcaccount" }, { name: "dstaccount" }] });
  key = emulator.accounts[0]!.key;
  service = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"));
  const share = service.getShareClient("guarded");
  await share.create();
  await share.createDirectory("inner");
  await share.getDirectoryClient("inner").getFileClient("secret.txt").uploadData(Buffer.from("top secret"));
});
afterAll(async () => {
  await emulator.stop();
});

describe("Shared Key", () => {
  it("accepts the SDK's StorageSharedKeyCredential on a path-style URL", async () => {
    const credential = new StorageSharedKeyCredential("srcaccount", key);
    const client = new ShareServiceClient(emulator.fileEndpoint("srcaccount"), credential);
    const names: string[] = [];
    for await (const share of client.listShares()) names.push(share.name);
    expect(names).toContain("guarded");
  });

  it("refuses a wrong key with 403 AuthenticationFailed", async () => {
    const wrong = new StorageSharedKeyCredential("srcaccount", Buffer.alloc(64, 1).toString("base64"));
    const client = new ShareServiceClient(emulator.fileEndpoint("srcaccount"), wrong);
    await expect(client.getShareClient("guarded").getProperties()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthenticationFailed",
    });
  });

  it("refuses one account's key on another account", async () => {
    const other = new StorageSharedKeyCredential("dstaccount", emulator.accounts[1]!.key);
    const client = new ShareServiceClient(emulator.fileEndpoint("srcaccount"), other);
    await expect(client.getShareClient("guarded").getProperties()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthenticationFailed",
    });
  });
});

describe("shared access signatures", () => {
  it("file SAS: reads the file it names, nothing else, and only with its permissions", async () => {
    const file = service.getShareClient("guarded").getDirectoryClient("inner").getFileClient("secret.txt");
    const sasUrl = await file.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
    });
    const viaSas = new ShareFileClient(sasUrl);
    expect((await viaSas.downloadToBuffer()).toString()).toBe("top secret");
    expect((await viaSas.getProperties()).contentLength).toBe(10);
    await expect(viaSas.uploadRange(Buffer.from("x"), 0, 1)).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationPermissionMismatch",
    });
    const elsewhere = new ShareFileClient(sasUrl.replace("secret.txt", "other.txt"));
    await expect(elsewhere.getProperties()).rejects.toMatchObject({ statusCode: 403 });
  });

  it("file SAS: response header overrides", async () => {
    const file = service.getShareClient("guarded").getDirectoryClient("inner").getFileClient("secret.txt");
    const sasUrl = await file.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
      contentType: "text/x-override",
      contentDisposition: "inline",
    });
    const properties = await new ShareFileClient(sasUrl).getProperties();
    expect(properties.contentType).toBe("text/x-override");
    expect(properties.contentDisposition).toBe("inline");
  });

  it("share SAS: works for directories and files inside the share", async () => {
    const share = service.getShareClient("guarded");
    const sasUrl = share.generateSasUrl({
      permissions: ShareSASPermissions.parse("rcwdl"),
      expiresOn: inOneHour(),
    });
    const viaSas = new ShareServiceClient(sasUrl.replace("/guarded?", "?")).getShareClient("guarded");
    const names: string[] = [];
    for await (const item of viaSas.getDirectoryClient("inner").listFilesAndDirectories())
      names.push(item.name);
    expect(names).toEqual(["secret.txt"]);
    const created = viaSas.getDirectoryClient("inner").getFileClient("via-sas.txt");
    await created.uploadData(Buffer.from("written with a share SAS"));
    expect((await created.downloadToBuffer()).toString()).toBe("written with a share SAS");
    await created.delete();

    // ShareClient and ShareDirectoryClient straight from SAS URLs.
    const shareViaUrl = new ShareClient(sasUrl);
    expect(shareViaUrl.name).toBe("guarded");
    expect(await shareViaUrl.getDirectoryClient("inner").exists()).toBe(true);
    const [base, query] = sasUrl.split("?");
    const directoryViaUrl = new ShareDirectoryClient(`${base}/inner?${query}`);
    const listed: string[] = [];
    for await (const item of directoryViaUrl.listFilesAndDirectories()) listed.push(item.name);
    expect(listed).toEqual(["secret.txt"]);
    await directoryViaUrl.createSubdirectory("made-with-sas");
    expect((await directoryViaUrl.getDirectoryClient("made-with-sas").getProperties()).fileAttributes).toBe(
      "Directory",
    );
  });

  it("account SAS: from a connection string, limited by services, resource types and permissions", async () => {
    const credential = new StorageSharedKeyCredential("srcaccount", key);
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: inOneHour(),
        permissions: AccountSASPermissions.parse("rl"),
        resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
        services: AccountSASServices.parse("f").toString(),
      },
      credential,
    ).toString();
    const client = ShareServiceClient.fromConnectionString(
      `FileEndpoint=${emulator.fileEndpoint("srcaccount")};SharedAccessSignature=${sas}`,
    );
    const names: string[] = [];
    for await (const share of client.listShares()) names.push(share.name);
    expect(names).toContain("guarded");
    await expect(client.getShareClient("newshare").create()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationPermissionMismatch",
    });

    const blobOnly = generateAccountSASQueryParameters(
      {
        expiresOn: inOneHour(),
        permissions: AccountSASPermissions.parse("rl"),
        resourceTypes: "sco",
        services: "b",
      },
      credential,
    ).toString();
    const wrongService = new ShareServiceClient(`${emulator.fileEndpoint("srcaccount")}?${blobOnly}`);
    await expect(wrongService.getProperties()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationServiceMismatch",
    });
    const objectsOnly = generateAccountSASQueryParameters(
      {
        expiresOn: inOneHour(),
        permissions: AccountSASPermissions.parse("rl"),
        resourceTypes: "o",
        services: "f",
      },
      credential,
    ).toString();
    const wrongType = new ShareServiceClient(`${emulator.fileEndpoint("srcaccount")}?${objectsOnly}`);
    await expect(wrongType.getShareClient("guarded").getProperties()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationResourceTypeMismatch",
    });
  });

  it("refuses an expired SAS with the service's message", async () => {
    const file = service.getShareClient("guarded").getDirectoryClient("inner").getFileClient("secret.txt");
    const expired = await file.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      startsOn: new Date(Date.now() - 7200_000),
      expiresOn: new Date(Date.now() - 3600_000),
    });
    const response = await fetch(expired, { headers: { "x-ms-version": "2026-10-06" } });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-ms-error-code")).toBe("AuthenticationFailed");
    const body = await response.text();
    expect(body).toContain("<Code>AuthenticationFailed</Code>");
    expect(body).toMatch(
      /<AuthenticationErrorDetail>Signature not valid in the specified time frame: Start \[.+ GMT\] - Expiry \[.+ GMT\] - Current \[.+ GMT\]<\/AuthenticationErrorDetail>/,
    );
    await expect(new ShareFileClient(expired).getProperties()).rejects.toMatchObject({ statusCode: 403 });
  });

  it("refuses a SAS that is not valid yet", async () => {
    const file = service.getShareClient("guarded").getDirectoryClient("inner").getFileClient("secret.txt");
    const future = await file.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      startsOn: new Date(Date.now() + 3600_000),
      expiresOn: new Date(Date.now() + 7200_000),
    });
    await expect(new ShareFileClient(future).downloadToBuffer()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthenticationFailed",
    });
  });

  it("refuses a tampered SAS (permissions widened, signature kept)", async () => {
    const file = service.getShareClient("guarded").getDirectoryClient("inner").getFileClient("secret.txt");
    const sasUrl = await file.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
    });
    const tampered = sasUrl.replace("sp=r", "sp=rwd");
    const response = await fetch(tampered, { headers: { "x-ms-version": "2026-10-06" } });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-ms-error-code")).toBe("AuthenticationFailed");
    expect(await response.text()).toContain("Signature did not match. String to sign used was rwd\n");
    const forged = sasUrl.replace(
      /sig=[^&]+/,
      `sig=${encodeURIComponent(Buffer.alloc(32).toString("base64"))}`,
    );
    await expect(new ShareFileClient(forged).getProperties()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthenticationFailed",
    });
  });

  it("refuses a SAS restricted to HTTPS or to another IP", async () => {
    const file = service.getShareClient("guarded").getDirectoryClient("inner").getFileClient("secret.txt");
    const httpsOnly = await file.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
      protocol: SASProtocol.Https,
    });
    await expect(new ShareFileClient(httpsOnly).getProperties()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationProtocolMismatch",
    });
    const otherIp = await file.generateSasUrl({
      permissions: FileSASPermissions.parse("r"),
      expiresOn: inOneHour(),
      ipRange: { start: "10.0.0.1", end: "10.0.0.9" },
    });
    await expect(new ShareFileClient(otherIp).getProperties()).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationSourceIPMismatch",
    });
  });
});

describe("anonymous requests", () => {
  it("are refused with 401 NoAuthenticationInformation", async () => {
    const anonymous = new ShareFileClient(`${emulator.fileEndpoint("srcaccount")}guarded/inner/secret.txt`);
    await expect(anonymous.getProperties()).rejects.toMatchObject({ statusCode: 401 });
    const response = await fetch(`${emulator.fileEndpoint("srcaccount")}guarded?restype=share`, {
      headers: { "x-ms-version": "2026-10-06" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("x-ms-error-code")).toBe("NoAuthenticationInformation");
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
  });
});
