/**
 * An Azure resource as Azure Resource Manager describes it (`az resource show` output).
 * Endpoints come from `properties` (`vaultUri`, `primaryEndpoints.blob`, …); that is how
 * the emulators plug in: a resource document whose endpoints point at localhost.
 */
export interface AzureResource {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly location?: string;
  readonly kind?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** The parts of an ARM resource id that plugins commonly need. */
export interface ResourceIdParts {
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  readonly provider?: string;
  readonly name?: string;
}

/** Splits `/subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}`; tolerant of case. */
export function parseResourceId(id: string): ResourceIdParts {
  const segments = id.split("/").filter((s) => s.length > 0);
  const parts: { subscriptionId?: string; resourceGroup?: string; provider?: string; name?: string } = {};
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i]!.toLowerCase();
    const value = segments[i + 1]!;
    if (key === "subscriptions" && parts.subscriptionId === undefined) parts.subscriptionId = value;
    else if (key === "resourcegroups" && parts.resourceGroup === undefined) parts.resourceGroup = value;
    else if (key === "providers" && parts.provider === undefined) parts.provider = value;
  }
  if (segments.length > 0) parts.name = segments[segments.length - 1];
  return parts;
}

/** Resource types are matched case-insensitively, as ARM does. */
export function sameResourceType(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Reads a nested string property such as `primaryEndpoints.blob`; undefined when absent. */
export function resourceProperty(resource: AzureResource, path: string): string | undefined {
  let node: unknown = resource.properties;
  for (const segment of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === "string" ? node : undefined;
}
