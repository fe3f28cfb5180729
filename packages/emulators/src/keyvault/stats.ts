import type { OperationStats, VaultStats } from "./options.js";

export type WriteCounter = Exclude<
  keyof VaultStats,
  "vault" | "requests" | "challenges" | "throttled" | "failed" | "operations"
>;

export function emptyStats(vault: string): VaultStats {
  return {
    vault,
    requests: 0,
    challenges: 0,
    throttled: 0,
    failed: 0,
    resets: 0,
    operations: {},
    secretVersionsCreated: 0,
    keysCreated: 0,
    keysImported: 0,
    keysRotated: 0,
    keyVersionsCreated: 0,
    certificatesCreated: 0,
    certificatesImported: 0,
    certificateVersionsCreated: 0,
    itemsDeleted: 0,
    itemsRecovered: 0,
    itemsPurged: 0,
    itemsRestored: 0,
  };
}

export function operationStats(stats: VaultStats, operation: string): OperationStats {
  let entry = stats.operations[operation];
  if (!entry) {
    entry = { requests: 0, succeeded: 0, failed: 0, throttled: 0 };
    stats.operations[operation] = entry;
  }
  return entry;
}

export function copyStats(stats: VaultStats): VaultStats {
  const operations: Record<string, OperationStats> = {};
  for (const [name, entry] of Object.entries(stats.operations)) operations[name] = { ...entry };
  return { ...stats, operations };
}
