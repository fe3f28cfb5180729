import type { StartedEmulators } from "./startEmulators.js";

/** A few lines for a terminal: what runs where (no keys, no tokens). */
export function describeEmulators(started: StartedEmulators): string {
  const { source, target } = started.storageAccounts;
  const lines = [
    "dataplane emulators (loopback only):",
    `  Key Vault   ${started.vaults.source.name.padEnd(14)} ${started.vaults.source.vaultUri}`,
    `              ${started.vaults.target.name.padEnd(14)} ${started.vaults.target.vaultUri}`,
    `  Blob        ${source.name.padEnd(14)} ${started.azurite.blobEndpoint(source.name)}`,
    `              ${target.name.padEnd(14)} ${started.azurite.blobEndpoint(target.name)}`,
    `  Files       ${source.name.padEnd(14)} ${started.files.fileEndpoint(source.name)}`,
    `              ${target.name.padEnd(14)} ${started.files.fileEndpoint(target.name)}`,
  ];
  const table = started.azurite.tableEndpoint?.(source.name);
  if (table) lines.push(`  Table       ${source.name.padEnd(14)} ${table}`);
  if (started.seeded) lines.push("  the source vault and account hold a sample estate (--seed)");
  return `${lines.join("\n")}\n`;
}
