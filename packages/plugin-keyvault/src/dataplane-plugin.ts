import type { PluginHost } from "@dataplane/core";
import { keyVaultPlugin } from "./plugin.js";

/** The well-known entry point (`./dataplane-plugin`): registers the Key Vault plugin. */
export default function register(host: PluginHost): void {
  host.register(keyVaultPlugin);
}
