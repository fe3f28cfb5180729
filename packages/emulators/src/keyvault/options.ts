import type { KeyVaultFailureRule } from "./faults.js";

/** Public configuration and observation types of the Key Vault emulator. */

export interface VaultConfig {
  /** Vault name, used in stats and the `x-ms-keyvault-region` bookkeeping; unique per emulator. */
  name: string;
  /** Subscription the vault belongs to; backups restore only into the same subscription. */
  subscriptionId?: string;
  /** Azure location (e.g. `eastus`); backups restore only within the same geography. */
  location?: string;
  /** Tenant named in the 401 bearer challenge. */
  tenantId?: string;
  /** Soft delete (default true). Without it a delete is final and nothing can be recovered. */
  softDelete?: boolean;
  /** Purge protection (default false): deleted items cannot be purged, only recovered. */
  purgeProtection?: boolean;
  /** Soft-delete retention in days, 7–90 (default 90). */
  retentionDays?: number;
}

/** Throttle buckets, after the service's per-vault limits per 10 seconds. */
export type ThrottleClass =
  | "secretCreate"
  | "secretOther"
  | "keyCreate"
  | "hsmKeyCreate"
  | "keyOther"
  | "certificateCreate"
  | "certificateOther";

export interface KeyVaultThrottling {
  /** Send `Retry-After` (seconds) on a 429, or leave it out as the service sometimes does. */
  retryAfter: boolean;
  /** Length of the sliding window in milliseconds (default 10,000). */
  windowMs?: number;
  /** Requests allowed per window and class; unspecified classes use the service limits. */
  limits?: Partial<Record<ThrottleClass, number>>;
}

/**
 * Injected connection resets, for testing clients: a request is cut before it is processed
 * (nothing happened) or after (it happened, but the client never hears so).
 */
export interface KeyVaultFaults {
  /** Probability (0–1) that an authenticated request's connection is reset before processing. */
  resetBeforeRate?: number;
  /** Probability (0–1) that the connection is reset after processing, instead of answering. */
  resetAfterRate?: number;
  /** Requests answered with an error instead of being processed (by method and path). */
  failures?: KeyVaultFailureRule[];
}

export interface KeyVaultEmulatorOptions {
  /** The vaults to serve; one listener (port) each. A string is a vault name with defaults. */
  vaults: (string | VaultConfig)[];
  /** Interface to listen on and to put in vault URIs (default `127.0.0.1`). */
  host?: string;
  /** Serve HTTPS (default true). Plain HTTP cannot be used with the Key Vault SDK clients. */
  https?: boolean;
  /** Directory to reuse (or create) the CA and server certificate in, so clients can trust them across runs. */
  tlsDir?: string;
  /** Throttling for every vault (default off). Can be changed later per emulator or per vault. */
  throttling?: KeyVaultThrottling | false;
  /** `resource` of the bearer challenge (default `https://vault.azure.net`). */
  challengeResource?: string;
}

export interface VaultInfo {
  readonly name: string;
  /** Absolute, with a trailing slash, e.g. `https://127.0.0.1:50123/`. */
  readonly vaultUri: string;
  readonly port: number;
  readonly subscriptionId: string;
  readonly location: string;
  readonly geography: string;
  readonly tenantId: string;
}

export interface OperationStats {
  /** Authenticated requests for this operation, including throttled and failed ones. */
  requests: number;
  succeeded: number;
  failed: number;
  throttled: number;
}

export interface VaultStats {
  vault: string;
  /** Authenticated data-plane requests (admin endpoints and 401 challenges excluded). */
  requests: number;
  /** Requests answered with the 401 bearer challenge. */
  challenges: number;
  /** Requests answered with 429. */
  throttled: number;
  /** Requests answered with another 4xx/5xx. */
  failed: number;
  /** Connections reset by injected faults (see `setFaults`). */
  resets: number;
  /** Per REST operation id of the 2025-07-01 spec, e.g. `SetSecret`, `CreateKey`. */
  operations: Record<string, OperationStats>;
  /** Secret versions written by `SetSecret` (seeding and certificate-backing secrets excluded). */
  secretVersionsCreated: number;
  keysCreated: number;
  keysImported: number;
  keysRotated: number;
  /** Key versions from create, import and rotate (certificate-backing keys excluded). */
  keyVersionsCreated: number;
  certificatesCreated: number;
  certificatesImported: number;
  /** Completed certificate versions from create, import and merge. */
  certificateVersionsCreated: number;
  itemsDeleted: number;
  itemsRecovered: number;
  itemsPurged: number;
  itemsRestored: number;
}

export interface SeedSecretOptions {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  notBefore?: Date;
  expiresOn?: Date;
}

export interface SeededSecret {
  /** Absolute secret version id. */
  id: string;
  version: string;
}
