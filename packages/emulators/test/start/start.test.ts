import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { BlobServiceClient } from "@azure/storage-blob";
import { ShareServiceClient } from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EmulatorFiles,
  type StartedEmulators,
  startEmulators,
  writeEmulatorFiles,
} from "../../src/index.js";

let started: StartedEmulators;
let dir: string;
let written: EmulatorFiles;

const credential = {
  getToken: async () => ({ token: "emulator", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, "utf8"));
}

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dataplane-start-"));
  started = await startEmulators({ table: true, seed: true, tlsDir: join(dir, "tls") });
  written = await writeEmulatorFiles(join(dir, "out"), started);
});
afterAll(async () => {
  await started?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("startEmulators", () => {
  it("starts two storage accounts and two vaults in one subscription and location", () => {
    expect(started.storageAccounts.source.name).toBe("srcaccount");
    expect(started.storageAccounts.target.name).toBe("dstaccount");
    expect(started.vaults.source).toMatchObject({ name: "source-vault", location: "eastus" });
    expect(started.vaults.target).toMatchObject({ name: "target-vault", location: "eastus" });
    expect(started.vaults.source.subscriptionId).toBe(started.vaults.target.subscriptionId);
    expect(started.vaults.source.vaultUri).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect(started.azurite.tableEndpoint?.("srcaccount")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/srcaccount$/);
  });

  it("seeds a sample estate the SDK clients can read", async () => {
    const options = {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: started.keyVault.caCertificatePem },
    };
    const secrets = new SecretClient(started.vaults.source.vaultUri, credential, options);
    const versions = [];
    for await (const version of secrets.listPropertiesOfSecretVersions("db-password")) versions.push(version);
    expect(versions).toHaveLength(3);
    expect((await secrets.getSecret("db-password")).value).toBe("correct-horse-3");
    expect((await secrets.getSecret("db-password")).properties.tags).toEqual({
      env: "demo",
      rotated: "true",
    });
    const key = await new KeyClient(started.vaults.source.vaultUri, credential, options).getKey(
      "signing-key",
    );
    expect(key.keyType).toBe("RSA");
    const certificate = await new CertificateClient(
      started.vaults.source.vaultUri,
      credential,
      options,
    ).getCertificate("web-cert");
    expect(certificate.policy?.subject).toBe("CN=demo.dataplane.local");

    const blobs = BlobServiceClient.fromConnectionString(started.azurite.connectionString("srcaccount"));
    const containers: Record<string, string[]> = {};
    for await (const container of blobs.listContainers({ includeMetadata: true })) {
      containers[container.name] = [];
      for await (const blob of blobs
        .getContainerClient(container.name)
        .listBlobsFlat({ includeMetadata: true, includeTags: true })) {
        containers[container.name]!.push(blob.name);
      }
    }
    expect(containers).toEqual(started.seeded?.containers);
    const logo = blobs.getContainerClient("images").getBlobClient("logo.svg");
    expect((await logo.getProperties()).metadata).toEqual({ author: "design" });
    expect((await logo.getTags()).tags).toEqual({ team: "brand" });

    const files = ShareServiceClient.fromConnectionString(started.files.connectionString("srcaccount"));
    const notes = files
      .getShareClient("shared-docs")
      .getDirectoryClient("projects/alpha")
      .getFileClient("notes.md");
    expect((await notes.downloadToBuffer()).toString()).toBe("alpha notes\n");
    expect((await files.getShareClient("shared-docs").getProperties()).quota).toBe(10);

    // The target side starts empty.
    const target = BlobServiceClient.fromConnectionString(started.azurite.connectionString("dstaccount"));
    expect((await target.listContainers().next()).done).toBe(true);
  });
});

describe("writeEmulatorFiles", () => {
  it("writes four ARM-shaped resource documents and all.json", async () => {
    expect((await readdir(join(dir, "out", "resources"))).sort()).toEqual([
      "all.json",
      "source-storage.json",
      "source-vault.json",
      "target-storage.json",
      "target-vault.json",
    ]);
    const vault = (await readJson(written.resources.sourceVault)) as Record<string, unknown>;
    expect(vault).toMatchObject({
      id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dataplane-emulators/providers/Microsoft.KeyVault/vaults/source-vault",
      type: "Microsoft.KeyVault/vaults",
      name: "source-vault",
      location: "eastus",
      properties: {
        vaultUri: started.vaults.source.vaultUri,
        tenantId: started.tenantId,
        enableSoftDelete: true,
      },
    });
    const storage = (await readJson(written.resources.targetStorage)) as Record<string, unknown>;
    expect(storage).toMatchObject({
      id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dataplane-emulators/providers/Microsoft.Storage/storageAccounts/dstaccount",
      type: "Microsoft.Storage/storageAccounts",
      name: "dstaccount",
      location: "eastus",
      kind: "StorageV2",
      properties: {
        primaryEndpoints: {
          blob: `http://127.0.0.1:${started.azurite.ports.blob}/dstaccount/`,
          file: `http://127.0.0.1:${started.files.port}/dstaccount/`,
          table: `http://127.0.0.1:${started.azurite.ports.table}/dstaccount/`,
        },
      },
    });
    const all = (await readJson(written.resources.all)) as Array<{ name: string }>;
    expect(all.map((r) => r.name)).toEqual(["source-vault", "target-vault", "srcaccount", "dstaccount"]);
  });

  it("keeps keys and tokens out of resource documents", async () => {
    for (const path of Object.values(written.resources)) {
      const text = await readFile(path, "utf8");
      for (const { key } of Object.values(started.storageAccounts)) expect(text).not.toContain(key);
      expect(text).not.toMatch(/accountKey|"token"|"emulator"|SharedAccessSignature|sig=/i);
    }
  });

  it("writes the CA and the credentials config the CLI reads", async () => {
    expect(await readFile(join(dir, "out", "ca.pem"), "utf8")).toBe(started.keyVault.caCertificatePem);
    const side = {
      credential: { type: "static-token", token: expect.stringMatching(/^emulator-token-[0-9a-f]{24}$/) },
      local: true,
      caFile: "ca.pem",
    };
    expect(await readJson(written.config)).toEqual({
      sides: { source: side, target: side },
      storage: {
        srcaccount: { accountKey: started.storageAccounts.source.key },
        dstaccount: { accountKey: started.storageAccounts.target.key },
      },
    });
  });

  it("the account keys in the config open both the blobs and the files of an account", async () => {
    const { key } = started.storageAccounts.target;
    const blob = `DefaultEndpointsProtocol=http;AccountName=dstaccount;AccountKey=${key};BlobEndpoint=${started.azurite.blobEndpoint("dstaccount")};`;
    await BlobServiceClient.fromConnectionString(blob).getContainerClient("fromkey").create();
    const file = `DefaultEndpointsProtocol=http;AccountName=dstaccount;AccountKey=${key};FileEndpoint=${started.files.fileEndpoint("dstaccount")}`;
    await ShareServiceClient.fromConnectionString(file).getShareClient("fromkey").create();
  });
});

describe("stop", () => {
  it("stops every emulator", async () => {
    const other = await startEmulators({ tlsDir: join(dir, "tls") });
    const ports = [
      other.azurite.ports.blob!,
      other.files.port,
      other.vaults.source.port,
      other.vaults.target.port,
    ];
    expect(await Promise.all(ports.map(portIsOpen))).toEqual([true, true, true, true]);
    const pid = other.azurite.pid;
    await other.stop();
    expect(await Promise.all(ports.map(portIsOpen))).toEqual([false, false, false, false]);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
