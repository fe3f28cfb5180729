import {
  DataplaneError,
  ErrorCodes,
  type Redactor,
  type SideAccess,
  type TokenCredentialLike,
} from "@dataplane/core";

/** How one side authenticates to the account: account key, a SAS it was given, or Entra ID. */
export type AccountCredential =
  | { readonly kind: "sharedKey"; readonly accountName: string; readonly accountKey: string }
  | { readonly kind: "sas"; readonly sasToken: string }
  | { readonly kind: "token"; readonly credential: TokenCredentialLike };

/** `Name=value;Name=value` (values may contain `=`). */
export function parseConnectionString(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const segment of text.split(";")) {
    const at = segment.indexOf("=");
    if (at <= 0) continue;
    parts.set(segment.slice(0, at).trim().toLowerCase(), segment.slice(at + 1).trim());
  }
  return parts;
}

/**
 * The account credential of one side: a configured storage credential wins; Entra ID
 * (`tokenCredential`) otherwise. Every secret is registered with the redactor first.
 */
export function accountCredential(
  access: SideAccess,
  accountName: string,
  redactor: Redactor,
): AccountCredential {
  const storage = access.storage;
  if (storage?.type === "sharedKey") {
    redactor.addSecret(storage.accountKey);
    return {
      kind: "sharedKey",
      accountName: storage.accountName || accountName,
      accountKey: storage.accountKey,
    };
  }
  if (storage?.type === "sas") {
    const sasToken = storage.sasToken.replace(/^\?/, "");
    redactor.addSecret(sasToken);
    return { kind: "sas", sasToken };
  }
  if (storage?.type === "connectionString") {
    redactor.addSecret(storage.connectionString);
    const parts = parseConnectionString(storage.connectionString);
    const key = parts.get("accountkey");
    const sas = parts.get("sharedaccesssignature");
    if (key) {
      redactor.addSecret(key);
      return { kind: "sharedKey", accountName: parts.get("accountname") ?? accountName, accountKey: key };
    }
    if (sas) {
      const sasToken = sas.replace(/^\?/, "");
      redactor.addSecret(sasToken);
      return { kind: "sas", sasToken };
    }
    throw new DataplaneError(
      ErrorCodes.InvalidConfig,
      `the ${access.side} connection string for ${accountName} has neither AccountKey nor SharedAccessSignature`,
      { hint: "Use the account's connection string from `az storage account show-connection-string`" },
    );
  }
  if (access.tokenCredential) return { kind: "token", credential: access.tokenCredential };
  throw new DataplaneError(
    ErrorCodes.CredentialMissing,
    `no credential for the ${access.side} storage account ${accountName}`,
    {
      hint: `Sign in with Entra ID (az login), or set storage.${accountName}.accountKey in dataplane.config.json`,
    },
  );
}
