import type { AzureResource, IacFormat, OptionValues, SideAccess } from "@dataplane/core";

/** A live, seeded source and a fresh target (emulators, or real resources), built once per suite. */
export interface ConformanceEnvironment {
  readonly source: AzureResource;
  readonly target: AzureResource;
  readonly sourceAccess: SideAccess;
  readonly targetAccess: SideAccess;
  /**
   * Secret values seeded in the source (a secret's value, a property marked secret…): none may
   * appear in items, generated files, logs, events, outcomes or results. The storage keys, SAS
   * tokens and connection strings of the two `SideAccess` are checked as well, without being
   * listed here.
   */
  readonly canaries?: readonly string[];
  /**
   * A JSON-able picture of everything in the target that replication may change, with whatever
   * changes on a rewrite (etags, versions, timestamps): dry-run purity and idempotence compare it.
   */
  snapshotTarget(): Promise<unknown>;
  /** Stops emulators, deletes what the environment made. */
  cleanup(): Promise<void>;
}

/** The checks, in the order they run: the first write to the target happens in `redaction`. */
export const CHECK_NAMES = [
  "entry-point",
  "shape",
  "streaming-discovery",
  "generated-code",
  "dry-run-purity",
  "redaction",
  "idempotent-replication",
  "complete-replication",
] as const;

export type ConformanceCheckName = (typeof CHECK_NAMES)[number];

export interface ConformanceOptions {
  /** The plugin package's folder (holding its package.json), as a path or a `file:` URL. */
  readonly packageDir: string | URL;
  /** Which registered plugin to check, by name; default: the only one the package registers. */
  readonly plugin?: string;
  /** Builds the environment; called once, on the first check that needs it. */
  readonly environment: () => Promise<ConformanceEnvironment>;
  /** Formats to generate and check; default `["terraform"]`. */
  readonly formats?: readonly IacFormat[];
  /** Values of the plugin's options for every run (declared defaults fill the rest, as the CLI does). */
  readonly options?: OptionValues;
  /** Checks not to run, each with the reason shown in the test name. */
  readonly skip?: Readonly<Partial<Record<ConformanceCheckName, string>>>;
  /** Title of the `describe` block; default `dataplane plugin conformance: <package name>`. */
  readonly title?: string;
  /** Time limit of each check, environment start included; default 120 s. */
  readonly timeoutMs?: number;
}
