import type { PluginHost } from "@dataplane/core";
import { storagePlugin } from "./plugin.js";

/** The package's `./dataplane-plugin` entry point: registers the storage plugin with the host. */
export default function register(host: PluginHost): void {
  host.register(storagePlugin);
}
