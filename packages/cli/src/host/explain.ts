import {
  type AccessFailure,
  type AccessFailureExplanation,
  type AzureResource,
  type DataPlanePlugin,
  DataplaneError,
  ErrorCodes,
  isDataplaneError,
  type RequestGovernor,
  type Side,
  type SideAccess,
} from "@dataplane/core";

export interface ExplainScope {
  readonly plugin: DataPlanePlugin;
  readonly verb: "discover" | "template" | "replication";
  readonly resources: Partial<Record<Side, AzureResource>>;
  readonly governor: RequestGovernor;
  /** The side to blame when the failing request cannot be matched (discover: the side discovered). */
  readonly defaultSide?: Side;
  /** How each side authenticates, for the plugin's explanation (a key, a SAS, Entra ID). */
  readonly access?: Partial<Record<Side, SideAccess>>;
}

interface RestErrorLike {
  readonly statusCode?: number;
  readonly code?: string;
  readonly request?: object;
  readonly message?: string;
}

/** `az role assignment create` for one role on one resource. */
export function roleAssignmentCommand(role: string, scope: string, assignee = "<principal-id>"): string {
  return `az role assignment create --assignee ${assignee} --role "${role}" --scope "${scope}"`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** The plugin's service knowledge, if it has any for this failure; a throwing plugin has none. */
function pluginExplanation(
  scope: ExplainScope,
  failure: AccessFailure,
): AccessFailureExplanation | undefined {
  if (typeof scope.plugin.explainAccessFailure !== "function") return undefined;
  try {
    const explained = scope.plugin.explainAccessFailure(failure);
    return explained && typeof explained.message === "string" && typeof explained.hint === "string"
      ? explained
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A 401/403 from a service becomes one message naming the side, the resource and the RBAC
 * role the plugin declares for that side and mode, with the command that grants it.
 */
export function explainServiceError(error: unknown, scope: ExplainScope): unknown {
  if (isDataplaneError(error)) return error;
  const rest = error as RestErrorLike | null;
  const status = rest?.statusCode;
  if (status !== 401 && status !== 403) return error;
  const side = scope.governor.sideOfAuthFailure(rest?.request) ?? scope.defaultSide;
  const serviceCode = rest?.code ? ` ${rest.code}` : "";
  if (!side) {
    // Not a request the governor saw: still one line, naming both sides it may have been.
    const names = (["source", "target"] as const)
      .map((s) => (scope.resources[s] ? `the ${s} ${scope.resources[s]!.name}` : undefined))
      .filter((n) => n !== undefined)
      .join(" or ");
    return new DataplaneError(
      status === 401 ? ErrorCodes.AuthenticationFailed : ErrorCodes.PermissionDenied,
      `${names || "a service"} refused the request (${status}${serviceCode})`,
      {
        hint: "Check the credentials and role assignments of both sides (see: dataplane permissions)",
        cause: error,
      },
    );
  }
  const resource = scope.resources[side];
  const explained = pluginExplanation(scope, {
    side,
    status,
    ...(rest?.code ? { code: rest.code } : {}),
    ...(resource ? { resource } : {}),
    ...(scope.access?.[side] ? { access: scope.access[side] } : {}),
    verb: scope.verb,
  });
  if (explained) {
    return new DataplaneError(
      status === 401 || explained.credentialRefused === true
        ? ErrorCodes.AuthenticationFailed
        : ErrorCodes.PermissionDenied,
      oneLine(explained.message),
      { hint: oneLine(explained.hint), cause: error },
    );
  }
  const forVerb = side === "source" && scope.verb !== "discover" ? ["discover", scope.verb] : [scope.verb];
  const roles = (scope.plugin.permissions ?? []).filter((p) => p.side === side && forVerb.includes(p.for));
  const where = resource ? `${resource.name} (${resource.id})` : side;
  if (status === 401) {
    return new DataplaneError(
      ErrorCodes.AuthenticationFailed,
      `the ${side} ${where} refused our credential (401${serviceCode})`,
      {
        hint: `Sign in for the ${side}'s tenant (az login --tenant <tenant>), or set --${side}-credential / --${side}-tenant or sides.${side} in dataplane.config.json`,
        cause: error,
      },
    );
  }
  const roleNames = [...new Set(roles.map((r) => r.role))];
  const needs =
    roleNames.length > 0
      ? `it needs the role ${roleNames.map((r) => `"${r}"`).join(" or ")}`
      : "a role is missing";
  const grant =
    resource && roleNames.length > 0
      ? `Grant it with: ${roleAssignmentCommand(roleNames[0]!, resource.id)}`
      : "Check the role assignments";
  return new DataplaneError(
    ErrorCodes.PermissionDenied,
    `the ${side} ${where} denied access (403${serviceCode}): ${needs} for ${scope.plugin.name}`,
    { hint: `${grant} (see: dataplane permissions)`, cause: error },
  );
}
