import { randomBytes } from "node:crypto";
// writeEmulatorFiles: resource documents, the CA and the credentials config the CLI reads.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ArmResource, storageResource, vaultResource } from "./resources.js";
import type { StartedEmulators } from "./startEmulators.js";

export interface EmulatorFiles {
  /** `dir/dataplane.config.json` */
  config: string;
  /** `dir/ca.pem`, when the Key Vault emulator serves HTTPS. */
  ca?: string;
  /** `dir/resources/<name>.json` by role, plus `all`. */
  resources: {
    sourceVault: string;
    targetVault: string;
    sourceStorage: string;
    targetStorage: string;
    all: string;
  };
}

/** The credentials config: static tokens for the vaults, account keys for storage. */
export interface DataplaneEmulatorConfig {
  sides: Record<
    "source" | "target",
    { credential: { type: "static-token"; token: string }; local: true; caFile?: string }
  >;
  storage: Record<string, { accountKey: string }>;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function emulatorConfig(
  started: StartedEmulators,
  caFile: string | undefined,
): DataplaneEmulatorConfig {
  // A random token: the emulators accept any, and a word like "emulator" would be masked by the
  // redactor wherever it appears (in resource groups, file names…).
  const token = `emulator-token-${randomBytes(12).toString("hex")}`;
  const side = () => ({
    credential: { type: "static-token" as const, token },
    local: true as const,
    ...(caFile ? { caFile } : {}),
  });
  const { source, target } = started.storageAccounts;
  return {
    sides: { source: side(), target: side() },
    storage: { [source.name]: { accountKey: source.key }, [target.name]: { accountKey: target.key } },
  };
}

export async function writeEmulatorFiles(dir: string, started: StartedEmulators): Promise<EmulatorFiles> {
  const resourcesDir = join(dir, "resources");
  await mkdir(resourcesDir, { recursive: true });
  const documents: Array<[keyof EmulatorFiles["resources"], string, ArmResource]> = [
    ["sourceVault", "source-vault.json", vaultResource(started, "source")],
    ["targetVault", "target-vault.json", vaultResource(started, "target")],
    ["sourceStorage", "source-storage.json", storageResource(started, "source")],
    ["targetStorage", "target-storage.json", storageResource(started, "target")],
  ];
  const resources = { all: join(resourcesDir, "all.json") } as EmulatorFiles["resources"];
  for (const [role, file, document] of documents) {
    resources[role] = join(resourcesDir, file);
    await writeFile(resources[role], json(document));
  }
  await writeFile(resources.all, json(documents.map(([, , document]) => document)));

  const caPem = started.keyVault.caCertificatePem;
  let ca: string | undefined;
  if (caPem) {
    ca = join(dir, "ca.pem");
    await writeFile(ca, caPem);
  }
  const config = join(dir, "dataplane.config.json");
  // Relative paths in the config are relative to the config file.
  await writeFile(config, json(emulatorConfig(started, ca ? "ca.pem" : undefined)), { mode: 0o600 });
  return ca ? { config, ca, resources } : { config, resources };
}
