import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@dataplane/emulators";

export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

export interface VaultBed {
  readonly emulator: KeyVaultEmulator;
  readonly dir: string;
  readonly config: string;
  /** Path of the ARM resource document of a vault. */
  resource(vault: string): string;
  client(vault: string): SecretClient;
}

/** Starts the Key Vault emulator with these vaults and writes resource documents and a config. */
export async function startVaultBed(
  dir: string,
  vaults: string[],
  token = "emulator-token",
): Promise<VaultBed> {
  const emulator = await startKeyVaultEmulator({ vaults });
  mkdirSync(join(dir, "resources"), { recursive: true });
  writeFileSync(join(dir, "ca.pem"), emulator.caCertificatePem ?? "");
  for (const vault of emulator.vaults) {
    writeFileSync(
      join(dir, "resources", `${vault.name}.json`),
      JSON.stringify({
        id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${vault.name}`,
        type: "Microsoft.KeyVault/vaults",
        name: vault.name,
        location: vault.location,
        properties: { vaultUri: vault.vaultUri },
      }),
    );
  }
  const side = { credential: { type: "static-token", token }, local: true, caFile: "ca.pem" };
  const config = join(dir, "dataplane.config.json");
  writeFileSync(config, JSON.stringify({ sides: { source: side, target: side } }, null, 2));
  const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  return {
    emulator,
    dir,
    config,
    resource: (vault) => join(dir, "resources", `${vault}.json`),
    client: (vault) =>
      new SecretClient(emulator.vaultUri(vault), credential, {
        disableChallengeResourceVerification: true,
        ...(emulator.caCertificatePem ? { tlsOptions: { ca: emulator.caCertificatePem } } : {}),
      }),
  };
}

/** Every secret of a vault with its number of versions. */
export async function versionCounts(client: SecretClient): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const props of client.listPropertiesOfSecrets()) {
    let n = 0;
    for await (const _ of client.listPropertiesOfSecretVersions(props.name)) n++;
    counts.set(props.name, n);
  }
  return counts;
}
