import { type AzureResource, geographyOf, parseResourceId } from "@dataplane/core";

/** Whether a backup taken from the source vault can be restored into the target vault. */
export type BackupPlacement =
  | { readonly allowed: true; readonly reason: string }
  | { readonly allowed: false; readonly reason: string };

/**
 * Key Vault restores a backup only within one subscription (from the resource id) and one
 * Azure geography (from `resource.location`).
 */
export function backupPlacement(source: AzureResource, target: AzureResource): BackupPlacement {
  const s = parseResourceId(source.id).subscriptionId?.toLowerCase();
  const t = parseResourceId(target.id).subscriptionId?.toLowerCase();
  if (!s || !t) {
    return {
      allowed: false,
      reason: "backup/restore needs both vaults' subscription ids (resource ids without /subscriptions/…)",
    };
  }
  if (s !== t) {
    return {
      allowed: false,
      reason: `backup/restore works only within one subscription (source ${s}, target ${t})`,
    };
  }
  if (!source.location || !target.location) {
    return {
      allowed: false,
      reason: "backup/restore needs both vaults' locations (the resource documents have no location)",
    };
  }
  const sg = geographyOf(source.location);
  const tg = geographyOf(target.location);
  if (sg !== tg) {
    return {
      allowed: false,
      reason: `backup/restore works only within one Azure geography (source ${source.location} in ${sg}, target ${target.location} in ${tg})`,
    };
  }
  return { allowed: true, reason: `same subscription and geography (${sg})` };
}
