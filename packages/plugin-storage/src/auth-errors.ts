// What a refused storage request means for the credential in use, in one line with its fix,
// and the SAS permissions a run needs, checked before anything is written. Codes from the
// Storage REST docs ("Common REST API error codes", "Create an account SAS", "Create a service
// SAS"); Azurite answers `AuthorizationFailure` where the service says `AuthenticationFailed`.

import { parseStorageConnectionString } from "@dataplane/azure";
import {
  type AccessFailure,
  type AccessFailureExplanation,
  DataplaneError,
  ErrorCodes,
  type ReplicationMode,
  type Side,
  type SideAccess,
} from "@dataplane/core";

type CredentialKind = "key" | "sas" | "entra";

function credentialKind(access: SideAccess | undefined): CredentialKind {
  const storage = access?.storage;
  if (storage?.type === "sharedKey") return "key";
  if (storage?.type === "sas") return "sas";
  if (storage?.type === "connectionString") {
    return parseStorageConnectionString(storage.connectionString).accountKey ? "key" : "sas";
  }
  return "entra";
}

function sasToken(access: SideAccess | undefined): string | undefined {
  const storage = access?.storage;
  if (storage?.type === "sas") return storage.sasToken.replace(/^\?/, "");
  if (storage?.type === "connectionString") {
    return parseStorageConnectionString(storage.connectionString).sharedAccessSignature;
  }
  return undefined;
}

/** The SAS permissions (`sp`) a side needs: reads and lists on the source, writes on the target. */
export function requiredSasPermissions(
  side: Side,
  mode: ReplicationMode | "discover",
  dryRun: boolean,
): string {
  return side === "source" || mode === "discover" || dryRun ? "rl" : "rwl";
}

const AUTHENTICATION_CODES = new Set(["AuthenticationFailed", "AuthorizationFailure"]);
const SAS_SCOPE_CODES = new Set([
  "AuthorizationPermissionMismatch",
  "AuthorizationResourceTypeMismatch",
  "AuthorizationServiceMismatch",
  "AuthorizationProtocolMismatch",
  "AuthorizationSourceIPMismatch",
]);

function configEntry(account: string, field: string): string {
  return `storage.${account}.${field} in dataplane.config.json`;
}

function sasAdvice(side: Side, account: string, verb: AccessFailure["verb"]): string {
  const permissions = requiredSasPermissions(side, verb, false);
  return (
    `Put a SAS valid now with services b and f, resource types sco and permissions ${permissions} in ` +
    `${configEntry(account, "sasToken")} (az storage account generate-sas --account-name ${account} ` +
    `--services bf --resource-types sco --permissions ${permissions} --expiry <date>)`
  );
}

/** The plugin's `explainAccessFailure`: one line naming side, account, what was refused and the fix. */
export function explainStorageAccessFailure(failure: AccessFailure): AccessFailureExplanation | undefined {
  const kind = credentialKind(failure.access);
  const account = failure.resource?.name ?? failure.side;
  const what = `the ${failure.side} storage account ${account}`;
  const code = failure.code ? ` ${failure.code}` : "";
  const status = `(${failure.status}${code})`;
  if (failure.code === "KeyBasedAuthenticationNotPermitted") {
    return {
      message: `${what} does not allow account-key authorization ${status}`,
      hint: `Remove ${configEntry(account, "accountKey")} and sign in with Entra ID (az login), or allow shared key access on the account`,
      credentialRefused: true,
    };
  }
  // The service answers AuthorizationFailure also when its network rules (firewall, private
  // endpoints) do not admit the caller; Azurite answers it for a wrong key.
  const network =
    failure.code === "AuthorizationFailure"
      ? `, or the account's network rules do not admit this machine`
      : "";
  const networkFix = network ? "; or allow this machine in the account's networking settings" : "";
  if (kind === "key") {
    if (failure.status === 403 && (failure.code === undefined || AUTHENTICATION_CODES.has(failure.code))) {
      return {
        message: `${what} refused its account key ${status}: the key is wrong or was rotated${network}`,
        hint: `Put a current key in ${configEntry(account, "accountKey")} (az storage account keys list --account-name ${account})${networkFix}`,
        credentialRefused: true,
      };
    }
    return undefined;
  }
  if (kind === "sas") {
    if (failure.status === 401) {
      return {
        message: `${what} found no valid signature in its SAS ${status}`,
        hint: sasAdvice(failure.side, account, failure.verb),
        credentialRefused: true,
      };
    }
    if (failure.code === undefined || AUTHENTICATION_CODES.has(failure.code)) {
      return {
        message: `${what} refused its SAS ${status}: the signature does not match or the SAS has expired${network}`,
        hint: `${sasAdvice(failure.side, account, failure.verb)}${networkFix}`,
        credentialRefused: true,
      };
    }
    if (SAS_SCOPE_CODES.has(failure.code)) {
      return {
        message: `${what} refused a request its SAS does not allow ${status}`,
        hint: sasAdvice(failure.side, account, failure.verb),
      };
    }
  }
  // Entra ID: core names the missing role and the command that grants it.
  return undefined;
}

/**
 * A configured SAS that cannot do what the run needs is refused before anything is written:
 * missing permissions, services or resource types, or an expiry in the past.
 */
export function checkSasScope(
  access: SideAccess,
  account: string,
  need: { mode: ReplicationMode; dryRun: boolean; blobs: boolean; files: boolean },
  now: Date = new Date(),
): void {
  const token = sasToken(access);
  if (token === undefined) return;
  const params = new URLSearchParams(token);
  const side = access.side;
  const what = `the ${side} storage account ${account}`;
  const hint = sasAdvice(side, account, need.mode);
  const fail = (problem: string) => {
    throw new DataplaneError(ErrorCodes.PermissionDenied, `${what}: its SAS ${problem}`, { hint });
  };
  const expiry = params.get("se");
  if (expiry && !Number.isNaN(Date.parse(expiry)) && Date.parse(expiry) <= now.getTime()) {
    fail(`expired at ${expiry}`);
  }
  const permissions = params.get("sp") ?? "";
  const required = requiredSasPermissions(side, need.mode, need.dryRun);
  const missing = [...required].filter((p) => !permissions.includes(p));
  if (missing.length > 0) {
    fail(
      `lacks the permission${missing.length > 1 ? "s" : ""} ${missing.join("")} (it has sp=${permissions || "nothing"}); ` +
        `${side === "source" ? "the source is listed and read" : "the target is written"}`,
    );
  }
  const services = params.get("ss");
  if (services !== null) {
    const lacking = [
      ...(need.blobs && !services.includes("b") ? ["b (blob)"] : []),
      ...(need.files && !services.includes("f") ? ["f (file)"] : []),
    ];
    if (lacking.length > 0)
      fail(`does not cover the service${lacking.length > 1 ? "s" : ""} ${lacking.join(", ")}`);
    const types = params.get("srt") ?? "";
    const lackingTypes = [..."sco"].filter((t) => !types.includes(t));
    if (lackingTypes.length > 0)
      fail(`lacks the resource types ${lackingTypes.join("")} (it has srt=${types})`);
  }
}

/** `x-ms-copy-source-status-code` of a refused copy, when the service (or emulator) sent it. */
function copySourceStatus(error: unknown): number | undefined {
  const response = (error as { response?: { headers?: { get?(name: string): string | undefined } } } | null)
    ?.response;
  const raw =
    typeof response?.headers?.get === "function"
      ? response.headers.get("x-ms-copy-source-status-code")
      : undefined;
  const parsed = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * The target could not read the copy source because the source refused it (401/403 behind
 * `CannotVerifyCopySource`): that is the source's credential, not the item — one line naming
 * the source account, as a permission failure.
 */
export function copySourceRefusal(error: unknown, sourceAccount: string): DataplaneError | undefined {
  const e = error as { statusCode?: unknown; code?: unknown } | null;
  if (e?.code !== "CannotVerifyCopySource") return undefined;
  const status = copySourceStatus(error) ?? (typeof e.statusCode === "number" ? e.statusCode : undefined);
  if (status !== 401 && status !== 403) return undefined;
  return new DataplaneError(
    ErrorCodes.PermissionDenied,
    `the source storage account ${sourceAccount} refused the target's read of a copy source (${status} CannotVerifyCopySource)`,
    { hint: sasAdvice("source", sourceAccount, "replication"), cause: error },
  );
}
