// startEmulators: every local endpoint the demo and the plugin tests need, in one call —
// Azurite (blob, optionally table/queue), the Azure Files emulator and the Key Vault emulator,
// with a source and a target side of each.
import {
  type AzuriteInstance,
  type AzuriteService,
  type StorageAccount,
  startAzurite,
} from "../azurite/index.js";
import { type FilesEmulator, startFilesEmulator } from "../files/index.js";
import type { VaultInfo } from "../keyvault/index.js";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../keyvault/index.js";
import { type SampleEstate, seedSampleEstate } from "./seed.js";

export const SOURCE_STORAGE_ACCOUNT = "srcaccount";
export const TARGET_STORAGE_ACCOUNT = "dstaccount";
export const SOURCE_VAULT = "source-vault";
export const TARGET_VAULT = "target-vault";
export const EMULATOR_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000001";
export const EMULATOR_RESOURCE_GROUP = "dataplane-emulators";
export const EMULATOR_LOCATION = "eastus";

export interface StartEmulatorsOptions {
  /** Also start Azurite's table service (default false). */
  table?: boolean;
  /** Also start Azurite's queue service (default false). */
  queue?: boolean;
  /** Persist Azurite's data in this directory (default: in memory). */
  azuriteLocation?: string;
  /** Reuse (or create) the Key Vault emulator's CA and server certificate here. */
  tlsDir?: string;
  /** Write a small sample estate into the source side (default false). */
  seed?: boolean;
  /** Azure location of the resources (default `eastus`). */
  location?: string;
}

export interface StartedEmulators {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** Tenant named by the Key Vault emulator's bearer challenge. */
  tenantId: string;
  storageAccounts: { source: StorageAccount; target: StorageAccount };
  vaults: { source: VaultInfo; target: VaultInfo };
  azurite: AzuriteInstance;
  files: FilesEmulator;
  keyVault: KeyVaultEmulator;
  /** What `seed: true` wrote, when asked. */
  seeded?: SampleEstate;
  /** Stops every emulator; resolves when all have stopped. */
  stop(): Promise<void>;
}

async function stopAll(stoppers: Array<(() => Promise<void>) | undefined>): Promise<void> {
  const results = await Promise.allSettled(stoppers.map((stop) => stop?.()));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<StartedEmulators> {
  const location = options.location ?? EMULATOR_LOCATION;
  const services: AzuriteService[] = ["blob"];
  if (options.table) services.push("table");
  if (options.queue) services.push("queue");
  const vaultConfig = (name: string) => ({ name, subscriptionId: EMULATOR_SUBSCRIPTION_ID, location });

  const [azurite, keyVault] = await Promise.allSettled([
    startAzurite({
      accounts: [{ name: SOURCE_STORAGE_ACCOUNT }, { name: TARGET_STORAGE_ACCOUNT }],
      services,
      location: options.azuriteLocation,
    }),
    startKeyVaultEmulator({
      vaults: [vaultConfig(SOURCE_VAULT), vaultConfig(TARGET_VAULT)],
      host: "127.0.0.1",
      https: true,
      tlsDir: options.tlsDir,
    }),
  ]);
  if (azurite.status === "rejected" || keyVault.status === "rejected") {
    await stopAll([
      azurite.status === "fulfilled" ? azurite.value.stop : undefined,
      keyVault.status === "fulfilled" ? keyVault.value.stop : undefined,
    ]);
    throw azurite.status === "rejected" ? azurite.reason : (keyVault as PromiseRejectedResult).reason;
  }
  let files: FilesEmulator;
  try {
    // The same keys as in Azurite: one account key serves the account's blobs and files.
    files = await startFilesEmulator({ accounts: azurite.value.accounts });
  } catch (error) {
    await stopAll([azurite.value.stop, keyVault.value.stop]);
    throw error;
  }
  const vaultInfo = (name: string): VaultInfo => {
    const info = keyVault.value.vaults.find((v) => v.name === name);
    if (!info) throw new Error(`the Key Vault emulator did not start vault '${name}'`);
    return info;
  };
  const account = (name: string): StorageAccount => {
    const found = azurite.value.accounts.find((a) => a.name === name);
    if (!found) throw new Error(`Azurite did not start account '${name}'`);
    return found;
  };
  let stopping: Promise<void> | undefined;
  const started: StartedEmulators = {
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    resourceGroup: EMULATOR_RESOURCE_GROUP,
    location,
    tenantId: vaultInfo(SOURCE_VAULT).tenantId,
    storageAccounts: { source: account(SOURCE_STORAGE_ACCOUNT), target: account(TARGET_STORAGE_ACCOUNT) },
    vaults: { source: vaultInfo(SOURCE_VAULT), target: vaultInfo(TARGET_VAULT) },
    azurite: azurite.value,
    files,
    keyVault: keyVault.value,
    stop: () => {
      stopping ??= stopAll([azurite.value.stop, files.stop, keyVault.value.stop]);
      return stopping;
    },
  };
  if (options.seed) {
    try {
      started.seeded = await seedSampleEstate(started);
    } catch (error) {
      await started.stop();
      throw error;
    }
  }
  return started;
}
