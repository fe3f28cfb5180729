import { describePluginConformance } from "@dataplane/testing";
import { keySpecs, secretSpecs, seedKeys, seedSecretSpecs } from "./helpers/seed.js";
import { sideAccess, startVaults, vaultConfig, vaultResource } from "./helpers/vaults.js";
import { clients, readVaultSecrets } from "./helpers/verify.js";

// The conformance kit, as any plugin author runs it: the built package loaded the way the CLI
// loads it, against a seeded source vault and an empty target vault on the emulator.
describePluginConformance({
  packageDir: new URL("..", import.meta.url),
  environment: async () => {
    const emulator = await startVaults([vaultConfig("conform-src"), vaultConfig("conform-dst")]);
    const secrets = secretSpecs(12);
    seedSecretSpecs(emulator, "conform-src", secrets);
    await seedKeys(emulator, "conform-src", keySpecs().slice(0, 3));
    return {
      source: vaultResource(emulator, "conform-src"),
      target: vaultResource(emulator, "conform-dst"),
      sourceAccess: sideAccess(emulator, "source"),
      targetAccess: sideAccess(emulator, "target"),
      canaries: secrets.flatMap((s) => s.versions.map((v) => v.value)),
      async snapshotTarget() {
        const secretsNow = await readVaultSecrets(emulator, "conform-dst");
        const { keys } = clients(emulator, "conform-dst");
        const keyVersions: Record<string, string[]> = {};
        for await (const k of keys.listPropertiesOfKeys()) {
          if (k.managed) continue;
          keyVersions[k.name] = [];
          for await (const v of keys.listPropertiesOfKeyVersions(k.name))
            keyVersions[k.name]!.push(v.version!);
        }
        return { secrets: Object.fromEntries([...secretsNow].sort()), keys: keyVersions };
      },
      cleanup: () => emulator.stop(),
    };
  },
});
