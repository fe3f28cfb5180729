// Quick start: the library API, as the origin's Quick Start shows it — get the plugin for a
// resource from a registry, discover, generate Terraform, replicate.
//
// Against the local emulators: run `dataplane emulators start --seed` in another terminal, then
// `node examples/quick-start.ts` from the folder you started them in (Node 24 runs TypeScript).
// Against Azure: read the resource documents from `az resource show` and use
// `new DefaultAzureCredential()` from @azure/identity as the tokenCredential, without `local`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AzureResource,
  createSession,
  type DataPlaneItem,
  PluginRegistry,
  type SideAccess,
} from "@dataplane/core";
import { keyVaultPlugin } from "@dataplane/plugin-keyvault";

const dir = process.env.DATAPLANE_EMULATORS_DIR ?? ".dataplane/emulators";
const read = (file: string) => readFileSync(join(dir, file), "utf8");
const source = JSON.parse(read("resources/source-vault.json")) as AzureResource;
const target = JSON.parse(read("resources/target-vault.json")) as AzureResource;

// The emulators accept any bearer token and serve HTTPS with their own CA.
const emulatorToken = {
  getToken: async () => ({ token: "emulator", expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const access = (side: "source" | "target"): SideAccess => ({
  side,
  tokenCredential: emulatorToken,
  local: true,
  caCertificates: [read("ca.pem")],
});

// Get the plugin for a resource.
const registry = new PluginRegistry();
registry.register(keyVaultPlugin);
const plugin = registry.getPluginForResource(source);
const session = createSession();

// Discover data-plane items (metadata only: no secret value is read).
const items: DataPlaneItem[] = [];
for await (const item of plugin.discover(source, session.discoverContext(access("source")))) items.push(item);
console.log(`discovered ${items.length} items`);

// Generate Terraform: files by name, and the variables you must supply (secret values among them).
const terraform = await plugin.generate(items, "terraform", session.generateContext());
console.log(`generated ${Object.keys(terraform.files).join(", ")}; ${terraform.variables.length} variables`);

// Replicate data from the source vault to the target vault.
const result = await plugin.replicate(
  source,
  target,
  session.replicateContext(access("source"), access("target")),
);
const { created, updated, skipped, failed } = result.counts;
console.log(`replicated: ${created} created, ${updated} updated, ${skipped} skipped, ${failed} failed`);
process.exitCode = result.success ? 0 : 1;
