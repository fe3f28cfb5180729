import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { clientOptions, credential } from "./vaults.js";

export interface ObservedVersion {
  readonly version: string;
  /** Undefined for a disabled version (unreadable). */
  readonly value?: string;
  readonly enabled: boolean;
  readonly notBefore?: number;
  readonly expiresOn?: number;
  readonly contentType?: string;
  readonly tags: Record<string, string>;
}

export function clients(emulator: KeyVaultEmulator, vault: string) {
  const uri = emulator.vaultUri(vault);
  return {
    secrets: new SecretClient(uri, credential, clientOptions(emulator)),
    keys: new KeyClient(uri, credential, clientOptions(emulator)),
    certificates: new CertificateClient(uri, credential, clientOptions(emulator)),
  };
}

const seconds = (d: Date | undefined) => (d ? Math.floor(d.getTime() / 1000) : undefined);

/**
 * Every secret of a vault with every version, values included, in write order: the current
 * version (what GET returns) last, the others by creation time then version id — never listing
 * order, which is by version id (as the service's).
 * Disabled versions are enabled for a moment to read them (target vaults only), then disabled again.
 */
export async function readVaultSecrets(
  emulator: KeyVaultEmulator,
  vault: string,
  options: { readDisabled?: boolean } = {},
): Promise<Map<string, ObservedVersion[]>> {
  const { secrets } = clients(emulator, vault);
  const out = new Map<string, ObservedVersion[]>();
  const names: string[] = [];
  for await (const p of secrets.listPropertiesOfSecrets()) if (!p.managed) names.push(p.name);
  await Promise.all(
    names.map(async (name) => {
      const versions: (ObservedVersion & { created: number })[] = [];
      const current = await secrets.getSecret(name).then(
        (s) => s.properties.version,
        () => undefined, // disabled: not readable
      );
      for await (const p of secrets.listPropertiesOfSecretVersions(name)) {
        let value: string | undefined;
        if (p.enabled !== false) {
          value = (await secrets.getSecret(name, { version: p.version! })).value;
        } else if (options.readDisabled) {
          await secrets.updateSecretProperties(name, p.version!, { enabled: true });
          value = (await secrets.getSecret(name, { version: p.version! })).value;
          await secrets.updateSecretProperties(name, p.version!, { enabled: false });
        }
        versions.push({
          created: seconds(p.createdOn) ?? 0,
          version: p.version!,
          ...(value !== undefined ? { value } : {}),
          enabled: p.enabled !== false,
          ...(p.notBefore ? { notBefore: seconds(p.notBefore)! } : {}),
          ...(p.expiresOn ? { expiresOn: seconds(p.expiresOn)! } : {}),
          ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
          tags: { ...(p.tags ?? {}) },
        });
      }
      versions.sort(
        (a, b) =>
          Number(a.version === current) - Number(b.version === current) ||
          a.created - b.created ||
          (a.version < b.version ? -1 : 1),
      );
      out.set(
        name,
        versions.map(({ created: _created, ...v }) => v),
      );
    }),
  );
  return out;
}
