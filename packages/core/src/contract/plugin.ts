import type {
  DiscoverContext,
  GenerateContext,
  Logger,
  OptionValue,
  ReplicateContext,
  Side,
  SideAccess,
} from "./context.js";
import type { GeneratedOutput, IacFormat } from "./generate.js";
import type { DataPlaneItem } from "./item.js";
import type { AzureResource } from "./resource.js";
import type { ReplicationMode, ReplicationResult } from "./result.js";

export type Verb = "discover" | "generate" | "replicate";

/** A plugin-specific option, surfaced by the CLI as `--<name>` on the verbs it applies to. */
export interface PluginOptionSpec {
  readonly name: string;
  readonly description: string;
  readonly type: "boolean" | "string" | "number";
  /** Allowed values for a string option. */
  readonly choices?: readonly string[];
  readonly default?: OptionValue;
  readonly verbs: readonly Verb[];
}

/** An RBAC role a plugin needs on one side for one verb or mode. */
export interface PermissionRequirement {
  readonly side: Side;
  /** `discover` (read metadata), `template` or `replication`. */
  readonly for: "discover" | ReplicationMode;
  readonly role: string;
  /** Built-in role definition id (a GUID), when known. */
  readonly roleDefinitionId?: string;
  readonly reason: string;
}

/** A service refused one side's credential (401) or a permission it lacks (403). */
export interface AccessFailure {
  readonly side: Side;
  readonly status: 401 | 403;
  /** The service's error code (`AuthenticationFailed`, `AuthorizationPermissionMismatch`, …). */
  readonly code?: string;
  readonly resource?: AzureResource;
  /** How that side authenticates (Entra ID, or the storage credential configured for it). */
  readonly access?: SideAccess;
  readonly verb: "discover" | ReplicationMode;
}

/** One line for the user: what was refused (naming the side and the resource), and the fix. */
export interface AccessFailureExplanation {
  readonly message: string;
  readonly hint: string;
  /**
   * The credential itself is refused (a wrong key, a SAS whose signature does not match, an
   * account that does not admit this machine), not one operation: no request of that side can
   * succeed, so the run stops at once instead of failing one partition.
   */
  readonly credentialRefused?: boolean;
}

/**
 * A dataplane plugin. Plain data plus functions: no classes are shared across packages, so
 * two copies of `@dataplane/core` in one install keep working.
 */
/** One data-plane endpoint of a resource, as a plugin declares it. */
export interface EndpointSpec {
  /** The endpoint, as messages show it. */
  readonly url: string;
  /** Where the check sends its GET when the root does not answer like the service (default `url`). */
  readonly probeUrl?: string;
  /** The service's SDK refuses plain http (bearer tokens travel only over TLS). */
  readonly httpsOnly?: boolean;
  /** What answers there, for messages: "Key Vault", "Blob service". */
  readonly service?: string;
}

export interface DataPlanePlugin {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /** ARM resource types served, matched case-insensitively. */
  readonly resourceTypes: readonly string[];
  /** Item kinds this plugin handles for those types (e.g. `secret`, `blob`). */
  readonly itemKinds: readonly string[];
  /**
   * Which kinds hold which, by name: `{ container: ["blob"] }` says the container `<c>` holds the
   * blobs `<c>/…`. Filters use it so that `--include 'blob/logs/**'` keeps the container `logs`
   * those blobs need. Without it, no item holds another.
   */
  readonly itemHolders?: Readonly<Record<string, readonly string[]>>;
  /** Chooses among resources of one type (for instance by `kind`). */
  supports?(resource: AzureResource): boolean;
  readonly options?: readonly PluginOptionSpec[];
  readonly permissions?: readonly PermissionRequirement[];
  readonly formats?: readonly IacFormat[];
  /**
   * Service knowledge for a refused credential or permission: the CLI already knows the side
   * and the resource; the plugin knows what that service's codes mean for the credential in use
   * (a wrong account key, a SAS without a permission). `undefined`: core's RBAC explanation.
   */
  explainAccessFailure?(failure: AccessFailure): AccessFailureExplanation | undefined;

  /**
   * The data-plane endpoints of a resource. Hosts check each once before a run lists or writes
   * anything (`probeEndpoint`): a closed port, an unresolvable host, the wrong protocol or a
   * server that is not the service become one line naming the side, the URL and the fix.
   */
  endpoints?(resource: AzureResource, side: "source" | "target"): readonly EndpointSpec[];
  /** Streams the resource's items. Never reads secret values unless an option asks for it. */
  discover(resource: AzureResource, context: DiscoverContext): AsyncIterable<DataPlaneItem>;
  /** Turns discovered items into infrastructure-as-code; secret values are never written. */
  generate(
    items: AsyncIterable<DataPlaneItem> | Iterable<DataPlaneItem>,
    format: IacFormat,
    context: GenerateContext,
  ): Promise<GeneratedOutput>;
  /** Copies items from source to target (usually through `context.engine.run(steps)`). */
  replicate(
    source: AzureResource,
    target: AzureResource,
    context: ReplicateContext,
  ): Promise<ReplicationResult>;
}

/** What a plugin's entry point receives. */
export interface PluginHost {
  /** Version of the `@dataplane/core` that loads the plugin. */
  readonly coreVersion: string;
  /** Version of the contract that core implements; compare with your `dataplane.apiVersion`. */
  readonly contractVersion: string;
  readonly logger: Logger;
  /** Registers one plugin; call once per plugin the package provides. */
  register(plugin: DataPlanePlugin): void;
}

/** The default export of a package's `./dataplane-plugin` module. */
export type RegisterFunction = (host: PluginHost) => void | Promise<void>;

/** Identity helper that types a plugin definition. */
export function definePlugin<P extends DataPlanePlugin>(plugin: P): P {
  return plugin;
}
