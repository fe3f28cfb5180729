// The entry point the dataplane CLI loads: package.json exports it as "./dataplane-plugin".
import type { PluginHost } from "@dataplane/core";
import { tablesPlugin } from "./plugin.js";

export default function register(host: PluginHost): void {
  host.register(tablesPlugin);
}
