import {
  type AzureResource,
  type DataPlanePlugin,
  DataplaneError,
  type EndpointSpec,
  ErrorCodes,
  probeEndpoint,
  type Side,
  type SideAccess,
} from "@dataplane/core";

export interface PreflightTarget {
  readonly side: Side;
  readonly resource: AzureResource;
  readonly access: SideAccess;
  readonly plugins: readonly DataPlanePlugin[];
}

/**
 * Before anything is listed or written: each side's endpoints (as the plugins declare them) are
 * checked once, in parallel. The first that cannot be used becomes one line naming the side,
 * the resource, the URL, the cause in words and the fix (exit code 2; nothing written).
 */
export async function preflightEndpoints(targets: readonly PreflightTarget[]): Promise<void> {
  const seen = new Set<string>();
  const checks: { target: PreflightTarget; spec: EndpointSpec }[] = [];
  for (const target of targets) {
    for (const plugin of target.plugins) {
      for (const spec of plugin.endpoints?.(target.resource, target.side) ?? []) {
        const key = `${target.side} ${spec.url}`;
        if (seen.has(key)) continue;
        seen.add(key);
        checks.push({ target, spec });
      }
    }
  }
  const results = await Promise.all(
    checks.map(async ({ target, spec }) => ({
      target,
      spec,
      result: await probeEndpoint(spec, {
        side: target.side,
        ...(target.access.caCertificates ? { ca: target.access.caCertificates } : {}),
      }),
    })),
  );
  for (const { target, spec, result } of results) {
    if (result.ok) continue;
    throw new DataplaneError(
      ErrorCodes.EndpointUnusable,
      `the ${target.side} ${target.resource.name} cannot be reached at ${spec.url}: ${result.cause}`,
      { hint: result.fix },
    );
  }
}
