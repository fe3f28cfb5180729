import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { StorageSharedKeyCredential as FileSharedKey, ShareServiceClient } from "@azure/storage-file-share";
import type { AzureResource, SideAccess } from "@dataplane/core";
import {
  type AzuriteInstance,
  type FilesEmulator,
  startAzurite,
  startFilesEmulator,
} from "@dataplane/emulators";

/** Azurite (blob) and the Files emulator with the same accounts and keys, plus the files the CLI reads. */
export interface Bed {
  readonly azurite: AzuriteInstance;
  readonly files: FilesEmulator;
  readonly dir: string;
  readonly configPath: string;
  key(account: string): string;
  resource(account: string): AzureResource;
  /** Path of the account's resource document. */
  resourcePath(account: string): string;
  access(account: string, side: "source" | "target"): SideAccess;
  blob(account: string): BlobServiceClient;
  share(account: string): ShareServiceClient;
  stop(): Promise<void>;
}

export async function startBed(accounts: readonly string[]): Promise<Bed> {
  const keyed = accounts.map((name) => ({ name, key: randomBytes(64).toString("base64") }));
  const [azurite, files] = await Promise.all([
    startAzurite({ accounts: keyed }),
    startFilesEmulator({ accounts: keyed }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "dp-storage-"));
  mkdirSync(join(dir, "resources"), { recursive: true });
  const keys = new Map(keyed.map((a) => [a.name, a.key]));
  const key = (account: string) => {
    const k = keys.get(account);
    if (!k) throw new Error(`no account ${account}`);
    return k;
  };
  const resource = (account: string): AzureResource => ({
    id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dataplane-tests/providers/Microsoft.Storage/storageAccounts/${account}`,
    type: "Microsoft.Storage/storageAccounts",
    name: account,
    kind: "StorageV2",
    location: "eastus",
    properties: {
      primaryEndpoints: { blob: `${azurite.blobEndpoint(account)}/`, file: files.fileEndpoint(account) },
    },
  });
  for (const a of accounts) {
    writeFileSync(join(dir, "resources", `${a}.json`), JSON.stringify(resource(a), null, 2));
  }
  const configPath = join(dir, "dataplane.config.json");
  writeFileSync(
    configPath,
    JSON.stringify(
      { storage: Object.fromEntries(keyed.map((a) => [a.name, { accountKey: a.key }])) },
      null,
      2,
    ),
  );
  return {
    azurite,
    files,
    dir,
    configPath,
    key,
    resource,
    resourcePath: (account) => join(dir, "resources", `${account}.json`),
    access: (account, side) => ({
      side,
      storage: { type: "sharedKey", accountName: account, accountKey: key(account) },
    }),
    blob: (account) =>
      new BlobServiceClient(
        azurite.blobEndpoint(account),
        new StorageSharedKeyCredential(account, key(account)),
      ),
    share: (account) =>
      new ShareServiceClient(files.fileEndpoint(account), new FileSharedKey(account, key(account))),
    async stop() {
      await Promise.all([azurite.stop(), files.stop()]);
    },
  };
}

/** Runs `fn` over `items` with `concurrency` in flight. */
export async function parallel<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
