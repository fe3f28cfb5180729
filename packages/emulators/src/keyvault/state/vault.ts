import type { CertificateMeta, CertificateVersion, Contact, IssuerRecord } from "../certificates/model.js";
import type { KeyMeta, KeyVersion } from "../keys/model.js";
import type { KeyVaultFaults, KeyVaultThrottling, VaultInfo, VaultStats } from "../options.js";
import type { SecretMeta, SecretVersion } from "../secrets/model.js";
import { emptyStats } from "../stats.js";
import { VaultThrottle } from "../throttling.js";
import type { RecoverySettings } from "./attributes.js";
import { ObjectStore } from "./object-store.js";
import { SortedNames } from "./sorted-names.js";

export interface VaultSettings {
  name: string;
  subscriptionId: string;
  location: string;
  geography: string;
  tenantId: string;
  softDelete: boolean;
  purgeProtection: boolean;
  retentionDays: number;
}

export type Collection =
  | "secrets"
  | "keys"
  | "certificates"
  | "deletedsecrets"
  | "deletedkeys"
  | "deletedcertificates";

/** Everything one emulated vault holds, in memory. */
export class VaultState {
  readonly secrets = new ObjectStore<SecretVersion, SecretMeta>(() => ({}));
  readonly keys = new ObjectStore<KeyVersion, KeyMeta>(() => ({}));
  readonly certificates = new ObjectStore<CertificateVersion, CertificateMeta>(() => ({}));
  contacts: Contact[] | undefined;
  readonly issuers = new Map<string, IssuerRecord>();
  readonly issuerNames = new SortedNames();
  stats: VaultStats;
  readonly throttle: VaultThrottle;
  /** Injected connection resets (off unless set). */
  faults: KeyVaultFaults | false = false;
  readonly recovery: RecoverySettings;
  /** e.g. `https://127.0.0.1:50123`, no trailing slash; set once the listener is bound. */
  baseUrl = "";
  port = 0;

  constructor(
    readonly settings: VaultSettings,
    throttling: KeyVaultThrottling | false,
  ) {
    this.stats = emptyStats(settings.name);
    this.throttle = new VaultThrottle(throttling);
    this.recovery = recoverySettingsOf(settings);
  }

  get info(): VaultInfo {
    const { name, subscriptionId, location, geography, tenantId } = this.settings;
    return {
      name,
      vaultUri: `${this.baseUrl}/`,
      port: this.port,
      subscriptionId,
      location,
      geography,
      tenantId,
    };
  }

  /** Absolute object id as the service returns it. */
  id(collection: Collection, name: string, version?: string): string {
    return version === undefined
      ? `${this.baseUrl}/${collection}/${name}`
      : `${this.baseUrl}/${collection}/${name}/${version}`;
  }

  /** `{deletedDate, scheduledPurgeDate}` for an object deleted now, or undefined without soft delete. */
  retentionFor(now: number): { deletedDate: number; scheduledPurgeDate: number } | undefined {
    if (!this.settings.softDelete) return undefined;
    return { deletedDate: now, scheduledPurgeDate: now + this.settings.retentionDays * 86_400 };
  }
}

function recoverySettingsOf(settings: VaultSettings): RecoverySettings {
  if (!settings.softDelete) return { recoveryLevel: "Purgeable", recoverableDays: 0 };
  const customised = settings.retentionDays < 90 ? "CustomizedRecoverable" : "Recoverable";
  return {
    recoveryLevel: settings.purgeProtection ? customised : `${customised}+Purgeable`,
    recoverableDays: settings.retentionDays,
  };
}
