import type { SecretClient } from "@azure/keyvault-secrets";
import {
  type AzureResource,
  createLogger,
  type ProgressEvent,
  SecretRedactor,
  Session,
  type SideAccess,
} from "@dataplane/core";
import { type KeyVaultEmulator, startKeyVaultEmulator, type VaultConfig } from "@dataplane/emulators";

export const SUBSCRIPTION = "6c1f4d3e-0000-4000-8000-00000000d0d0";
export const OTHER_SUBSCRIPTION = "6c1f4d3e-0000-4000-8000-00000000beef";

export type TokenCredential = ConstructorParameters<typeof SecretClient>[1];

/** Any bearer token is accepted by the emulator. */
export const credential: TokenCredential = {
  getToken: async () => ({ token: "emulator", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export function vaultConfig(name: string, config: Partial<VaultConfig> = {}): VaultConfig {
  return { name, subscriptionId: SUBSCRIPTION, location: "eastus", ...config };
}

export function startVaults(
  vaults: VaultConfig[],
  throttling?: Parameters<typeof startKeyVaultEmulator>[0]["throttling"],
): Promise<KeyVaultEmulator> {
  return startKeyVaultEmulator({ vaults, ...(throttling !== undefined ? { throttling } : {}) });
}

/** The ARM document of an emulated vault, as `az resource show` would print it. */
export function vaultResource(emulator: KeyVaultEmulator, name: string): AzureResource {
  const info = emulator.vaults.find((v) => v.name === name);
  if (!info) throw new Error(`no emulated vault ${name}`);
  return {
    id: `/subscriptions/${info.subscriptionId}/resourceGroups/rg-dataplane/providers/Microsoft.KeyVault/vaults/${name}`,
    type: "Microsoft.KeyVault/vaults",
    name,
    location: info.location,
    properties: { vaultUri: info.vaultUri, sku: { family: "A", name: "premium" } },
  };
}

export function sideAccess(emulator: KeyVaultEmulator, side: "source" | "target"): SideAccess {
  return {
    side,
    tokenCredential: credential,
    local: true,
    ...(emulator.caCertificatePem ? { caCertificates: [emulator.caCertificatePem] } : {}),
  };
}

/** Client options for the SDK clients tests use directly (seeding, checking). */
export function clientOptions(emulator: KeyVaultEmulator) {
  return {
    disableChallengeResourceVerification: true,
    ...(emulator.caCertificatePem ? { tlsOptions: { ca: emulator.caCertificatePem } } : {}),
  };
}

/** A session whose every log line (debug included) and progress event is kept for inspection. */
export function capturingSession(): {
  session: Session;
  redactor: SecretRedactor;
  lines: string[];
  events: ProgressEvent[];
} {
  const redactor = new SecretRedactor();
  const lines: string[] = [];
  const events: ProgressEvent[] = [];
  const logger = createLogger({ level: "debug", redactor, write: (line) => lines.push(line) });
  const session = new Session({
    logger,
    redactor,
    progress: { emit: (e) => events.push(e) },
    governor: { baseDelayMs: 200 },
  });
  return { session, redactor, lines, events };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
