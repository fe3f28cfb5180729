import type { AzureResource, ReplicationMode } from "@dataplane/core";
import type { KeyVaultOptions } from "../options.js";
import type { VaultClients } from "../vault/clients.js";
import type { BackupPlacement } from "../vault/placement.js";

/** What every step of one replication shares. */
export interface ReplicationRun {
  readonly source: AzureResource;
  readonly target: AzureResource;
  readonly src: VaultClients;
  readonly dst: VaultClients;
  readonly options: KeyVaultOptions;
  readonly mode: ReplicationMode;
  /** Whether a backup of the source restores into the target (same subscription and geography). */
  readonly placement: BackupPlacement;
  /** Names of keys that got new key material (summarised as one run warning). */
  readonly newKeyMaterial: string[];
  /** Names of keys re-created by an earlier run: their material differs from the source's by design. */
  readonly recreatedEarlier: Set<string>;
  /** Names of certificates re-created from their policy (new key, new certificate). */
  readonly recreatedCertificates: string[];
}
