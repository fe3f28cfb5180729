import type { DataPlanePlugin } from "../contract/plugin.js";
import { type AzureResource, sameResourceType } from "../contract/resource.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";
import { checkPluginShape } from "./plugin-shape.js";

/** Where a registered plugin came from. */
export interface PluginOrigin {
  /** `explicit` (--plugin, DATAPLANE_PLUGINS, config), `project` (nearest package.json), `global` (beside the CLI), `api` (registered in code). */
  readonly via: "explicit" | "project" | "global" | "api";
  readonly packageName?: string;
  readonly packageVersion?: string;
  readonly path?: string;
}

export interface RegisteredPlugin {
  readonly plugin: DataPlanePlugin;
  readonly origin: PluginOrigin;
}

function claimKey(type: string, kind: string): string {
  return `${type.toLowerCase()}\u0000${kind}`;
}

/**
 * The plugins known to one host. Several plugins may serve one resource type when their
 * item kinds differ; a second claim of the same type and kind is refused.
 */
export class PluginRegistry {
  readonly #plugins: RegisteredPlugin[] = [];
  readonly #claims = new Map<string, RegisteredPlugin>();

  /** Registers a plugin; throws `DP_PLUGIN_INVALID` or `DP_PLUGIN_CONFLICT`. */
  register(plugin: DataPlanePlugin, origin: PluginOrigin = { via: "api" }): void {
    const shape = checkPluginShape(plugin);
    const label = typeof (plugin as { name?: unknown })?.name === "string" ? plugin.name : "(unnamed plugin)";
    if (!shape.ok) {
      throw new DataplaneError(
        ErrorCodes.PluginInvalid,
        `plugin ${label} has an invalid shape: ${shape.reason}`,
        {
          hint: "Check the plugin against the DataPlanePlugin contract of @dataplane/core",
        },
      );
    }
    if (this.#plugins.some((p) => p.plugin.name === plugin.name)) {
      throw new DataplaneError(
        ErrorCodes.PluginConflict,
        `a plugin named ${plugin.name} is already registered`,
        {
          hint: "Install only one copy of each plugin",
        },
      );
    }
    for (const type of plugin.resourceTypes) {
      for (const kind of plugin.itemKinds) {
        const existing = this.#claims.get(claimKey(type, kind));
        if (existing && (!existing.plugin.supports || !plugin.supports)) {
          throw new DataplaneError(
            ErrorCodes.PluginConflict,
            `plugin ${plugin.name} claims ${type} items of kind "${kind}", already served by ${existing.plugin.name}`,
            { hint: `Uninstall one of ${existing.plugin.name} and ${plugin.name}` },
          );
        }
      }
    }
    const entry: RegisteredPlugin = { plugin, origin };
    this.#plugins.push(entry);
    for (const type of plugin.resourceTypes) {
      for (const kind of plugin.itemKinds) {
        if (!this.#claims.has(claimKey(type, kind))) this.#claims.set(claimKey(type, kind), entry);
      }
    }
  }

  list(): readonly RegisteredPlugin[] {
    return [...this.#plugins];
  }

  get(name: string): DataPlanePlugin | undefined {
    return this.#plugins.find((p) => p.plugin.name === name)?.plugin;
  }

  /** Every plugin that serves this resource (type matched case-insensitively, then `supports`). */
  pluginsFor(resource: AzureResource): DataPlanePlugin[] {
    return this.#plugins
      .map((p) => p.plugin)
      .filter((p) => p.resourceTypes.some((t) => sameResourceType(t, resource.type)))
      .filter((p) => (p.supports ? p.supports(resource) : true));
  }

  /** Like `pluginsFor`, but a resource no plugin serves is an error naming what is installed. */
  requirePluginsFor(resource: AzureResource): DataPlanePlugin[] {
    const found = this.pluginsFor(resource);
    if (found.length > 0) return found;
    throw noPluginError(resource, this.#plugins);
  }

  /** Convenience for one plugin per resource (the origin's `get_plugin_for_resource`). */
  getPluginForResource(resource: AzureResource): DataPlanePlugin {
    const found = this.requirePluginsFor(resource);
    if (found.length > 1) {
      throw new DataplaneError(
        ErrorCodes.AmbiguousPlugin,
        `${found.length} plugins serve ${resource.type} (${found.map((p) => p.name).join(", ")})`,
        { hint: "Use pluginsFor(resource) to run each of them" },
      );
    }
    return found[0]!;
  }
}

function noPluginError(resource: AzureResource, installed: readonly RegisteredPlugin[]): DataplaneError {
  const served = installed.some((p) =>
    p.plugin.resourceTypes.some((t) => sameResourceType(t, resource.type)),
  );
  const list =
    installed.length === 0
      ? "none"
      : installed.map((p) => `${p.plugin.name} (${p.plugin.resourceTypes.join(", ")})`).join("; ");
  const message = served
    ? `no installed plugin supports ${resource.type} resource ${resource.name}${resource.kind ? ` of kind ${resource.kind}` : ""} (installed: ${list})`
    : `no plugin installed for type ${resource.type} (installed: ${list})`;
  return new DataplaneError(ErrorCodes.NoPlugin, message, {
    hint: `Install a plugin that serves it (npm install <plugin>, e.g. a package with keyword "dataplane-plugin") or name one with --plugin <package or path>`,
    details: { type: resource.type },
  });
}
