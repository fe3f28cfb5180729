import type { KeyVaultFaults } from "./options.js";

/**
 * An injected error answer: requests whose path matches get this status and error body
 * instead of being processed (a role without access to one kind: 403 `ForbiddenByRbac`; an
 * API the vault does not offer: 404; a server error that never heals: 500).
 */
export interface KeyVaultFailureRule {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /**
   * Request path to match, case-insensitively, without the query and a trailing slash: exact
   * (`/certificates/issuers`), or a prefix when it ends with `*` (`/secrets/broken*`).
   */
  path: string;
  /** Status to answer, 400–599. */
  status: number;
  /** Error code of the body (default after the status: Forbidden, NotFound, InternalServerError…). */
  code?: string;
  message?: string;
  /** `innererror.code` (the service sends `ForbiddenByRbac` for a missing role). */
  innerCode?: string;
  /** Fail only this many matching requests, then let them through (default: every one). */
  times?: number;
}

const DEFAULT_CODES: Record<number, string> = {
  400: "BadParameter",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

function validateRule(value: unknown, index: number): KeyVaultFailureRule {
  const where = `Faults.failures[${index}]`;
  if (!value || typeof value !== "object") throw new TypeError(`${where} must be an object.`);
  const rule = value as Record<string, unknown>;
  if (typeof rule.path !== "string" || !rule.path.startsWith("/"))
    throw new TypeError(`${where}.path must be a path starting with "/".`);
  if (
    typeof rule.status !== "number" ||
    !Number.isInteger(rule.status) ||
    rule.status < 400 ||
    rule.status > 599
  )
    throw new TypeError(`${where}.status must be a whole number from 400 to 599.`);
  for (const name of ["method", "code", "message", "innerCode"] as const) {
    if (rule[name] !== undefined && typeof rule[name] !== "string")
      throw new TypeError(`${where}.${name} must be a string.`);
  }
  if (rule.times !== undefined && (typeof rule.times !== "number" || !(rule.times >= 1)))
    throw new TypeError(`${where}.times must be a number ≥ 1.`);
  return { ...(rule as unknown as KeyVaultFailureRule) };
}

/** Validates fault settings (rates are probabilities from 0 to 1). */
export function validateFaults(value: unknown): KeyVaultFaults | false {
  if (value === false || value === null) return false;
  if (typeof value !== "object") throw new TypeError("Faults must be an object or false.");
  const faults = value as Record<string, unknown>;
  const rate = (name: string): number => {
    const v = faults[name] ?? 0;
    if (typeof v !== "number" || !(v >= 0 && v <= 1))
      throw new TypeError(`Faults.${name} must be a number from 0 to 1.`);
    return v;
  };
  const failures = faults.failures ?? [];
  if (!Array.isArray(failures)) throw new TypeError("Faults.failures must be an array.");
  return {
    resetBeforeRate: rate("resetBeforeRate"),
    resetAfterRate: rate("resetAfterRate"),
    ...(failures.length > 0 ? { failures: failures.map(validateRule) } : {}),
  };
}

/** Which fault, if any, strikes this request. */
export function drawFault(faults: KeyVaultFaults | false): "before" | "after" | undefined {
  if (!faults) return undefined;
  if (Math.random() < (faults.resetBeforeRate ?? 0)) return "before";
  if (Math.random() < (faults.resetAfterRate ?? 0)) return "after";
  return undefined;
}

/** The injected error answer for this request, if a rule matches (counting down its `times`). */
export function matchFailure(
  faults: KeyVaultFaults | false,
  method: string,
  path: string,
):
  | { status: number; body: { error: { code: string; message: string; innererror?: { code: string } } } }
  | undefined {
  if (faults === false || faults.failures === undefined) return undefined;
  // `/secrets/name/` (an empty version) is the same resource as `/secrets/name`
  const lower = path.length > 1 ? path.toLowerCase().replace(/\/+$/, "") : path.toLowerCase();
  for (const rule of faults.failures) {
    if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
    const pattern = rule.path.toLowerCase();
    const matches = pattern.endsWith("*") ? lower.startsWith(pattern.slice(0, -1)) : lower === pattern;
    if (!matches) continue;
    if (rule.times !== undefined) {
      if (rule.times <= 0) continue;
      rule.times--;
    }
    const code = rule.code ?? DEFAULT_CODES[rule.status] ?? "Error";
    const error: { code: string; message: string; innererror?: { code: string } } = {
      code,
      message: rule.message ?? `Injected fault: ${rule.status} ${code}.`,
    };
    if (rule.innerCode !== undefined) error.innererror = { code: rule.innerCode };
    return { status: rule.status, body: { error } };
  }
  return undefined;
}
