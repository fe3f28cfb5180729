import { AzureNamedKeyCredential, AzureSASCredential, type TokenCredential } from "@azure/core-auth";
import {
  type AzureResource,
  DataplaneError,
  ErrorCodes,
  type Redactor,
  resourceProperty,
  type SideAccess,
} from "@dataplane/core";

/** The services of a storage account, as named in `properties.primaryEndpoints`. */
export type StorageService = "blob" | "file" | "queue" | "table" | "dfs" | "web";

/**
 * How one side authenticates to a storage account, with the SDK credential for each way:
 * `credential` is what `@azure/data-tables`, `@azure/storage-queue` (as a `newPipeline`
 * credential through {@link governedStoragePipeline}) and any core-rest-pipeline client take.
 */
export type StorageAccountCredential =
  | {
      readonly kind: "sharedKey";
      readonly accountName: string;
      readonly accountKey: string;
      readonly credential: AzureNamedKeyCredential;
    }
  | { readonly kind: "sas"; readonly sasToken: string; readonly credential: AzureSASCredential }
  | { readonly kind: "token"; readonly credential: TokenCredential };

/** The parts of a storage connection string (`Name=value;…`; names are case-insensitive). */
export interface StorageConnectionString {
  readonly accountName?: string;
  readonly accountKey?: string;
  /** `SharedAccessSignature`, without a leading `?`. */
  readonly sharedAccessSignature?: string;
  readonly defaultEndpointsProtocol?: string;
  readonly endpointSuffix?: string;
  /** `BlobEndpoint`, `FileEndpoint`, `QueueEndpoint`, `TableEndpoint`, when given. */
  readonly endpoints: Partial<Record<StorageService, string>>;
}

const ENDPOINT_NAMES: Record<string, StorageService> = {
  blobendpoint: "blob",
  fileendpoint: "file",
  queueendpoint: "queue",
  tableendpoint: "table",
};

/** Parses `Name=value;Name=value` (a value may contain `=`, as base64 keys and SAS do). */
export function parseStorageConnectionString(text: string): StorageConnectionString {
  const parts = new Map<string, string>();
  for (const segment of text.split(";")) {
    const at = segment.indexOf("=");
    if (at <= 0) continue;
    parts.set(segment.slice(0, at).trim().toLowerCase(), segment.slice(at + 1).trim());
  }
  const endpoints: Partial<Record<StorageService, string>> = {};
  for (const [name, service] of Object.entries(ENDPOINT_NAMES)) {
    const url = parts.get(name);
    if (url) endpoints[service] = url;
  }
  const sas = parts.get("sharedaccesssignature")?.replace(/^\?/, "");
  const get = (name: string) => parts.get(name) || undefined;
  return {
    ...(get("accountname") ? { accountName: get("accountname") } : {}),
    ...(get("accountkey") ? { accountKey: get("accountkey") } : {}),
    ...(sas ? { sharedAccessSignature: sas } : {}),
    ...(get("defaultendpointsprotocol") ? { defaultEndpointsProtocol: get("defaultendpointsprotocol") } : {}),
    ...(get("endpointsuffix") ? { endpointSuffix: get("endpointsuffix") } : {}),
    endpoints,
  };
}

/** Registers a SAS token and its signature (raw and URL-decoded) with the redactor. */
function registerSas(sasToken: string, redactor: Redactor): void {
  redactor.addSecret(sasToken);
  const sig = /(?:^|&)sig=([^&]+)/.exec(sasToken)?.[1];
  if (sig) {
    redactor.addSecret(sig);
    try {
      redactor.addSecret(decodeURIComponent(sig));
    } catch {
      // not URL-encoded: the raw value is registered
    }
  }
}

function sharedKey(accountName: string, accountKey: string): StorageAccountCredential {
  return {
    kind: "sharedKey",
    accountName,
    accountKey,
    credential: new AzureNamedKeyCredential(accountName, accountKey),
  };
}

function sas(sasToken: string): StorageAccountCredential {
  return { kind: "sas", sasToken, credential: new AzureSASCredential(sasToken) };
}

/**
 * The credential one side uses for a storage account: the storage credential the user
 * configured for it (account key, connection string or SAS) wins; the side's Entra ID
 * credential otherwise. Every secret is registered with the redactor before it is returned.
 * Throws `DP_INVALID_CONFIG` for a connection string with neither key nor SAS, and
 * `DP_CREDENTIAL_MISSING` when the side has no credential at all.
 */
export function storageAccountCredential(
  access: SideAccess,
  accountName: string,
  redactor: Redactor,
): StorageAccountCredential {
  const storage = access.storage;
  if (storage?.type === "sharedKey") {
    redactor.addSecret(storage.accountKey);
    return sharedKey(storage.accountName || accountName, storage.accountKey);
  }
  if (storage?.type === "sas") {
    const token = storage.sasToken.replace(/^\?/, "");
    registerSas(token, redactor);
    return sas(token);
  }
  if (storage?.type === "connectionString") {
    redactor.addSecret(storage.connectionString);
    const parts = parseStorageConnectionString(storage.connectionString);
    if (parts.accountKey) {
      redactor.addSecret(parts.accountKey);
      return sharedKey(parts.accountName ?? accountName, parts.accountKey);
    }
    if (parts.sharedAccessSignature) {
      registerSas(parts.sharedAccessSignature, redactor);
      return sas(parts.sharedAccessSignature);
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

/**
 * The side's Entra ID credential, as `@azure/core-auth`'s `TokenCredential` (what Key Vault,
 * App Configuration and every other Entra-only client takes). `what` names the resource in the
 * error: `DP_CREDENTIAL_MISSING` when the side has none.
 */
export function entraCredential(access: SideAccess, what: string): TokenCredential {
  if (access.tokenCredential) return access.tokenCredential;
  throw new DataplaneError(
    ErrorCodes.CredentialMissing,
    `no Entra ID credential for the ${access.side} ${what}`,
    {
      hint: `Configure sides.${access.side}.credential in dataplane.config.json (or pass the --credential flags)`,
    },
  );
}

/**
 * The endpoint of one service of a storage account, from its resource document
 * (`properties.primaryEndpoints.<service>`), without a trailing slash:
 * `https://<account>.table.core.windows.net` or an emulator's `http://127.0.0.1:PORT/<account>`.
 */
export function storageEndpoint(resource: AzureResource, service: StorageService): string {
  const endpoint = resourceProperty(resource, `primaryEndpoints.${service}`);
  if (!endpoint) {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `the storage account ${resource.name} has no ${service} endpoint (properties.primaryEndpoints.${service})`,
      { hint: "Give the document `az storage account show` (or `az resource show`) prints for the account" },
    );
  }
  return endpoint.replace(/\/+$/, "");
}

/** `url` with a SAS token appended to its query (the way `@azure/storage-*` clients take a SAS). */
export function withSasToken(url: string, sasToken: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${sasToken.replace(/^\?/, "")}`;
}

/** Everything an SDK client of one storage service needs for one side. */
export interface StorageConnection {
  /** The service endpoint, without a trailing slash. */
  readonly endpoint: string;
  readonly credential: StorageAccountCredential;
  /**
   * The endpoint a `@azure/storage-*` client is given: with the SAS appended when the
   * credential is a SAS (those clients then take an `AnonymousCredential`), else `endpoint`.
   */
  readonly url: string;
}

/**
 * The endpoint and credential of one side for one service of a storage account: the endpoint
 * from the resource document, the credential from the side's access (see
 * {@link storageAccountCredential}).
 */
export function storageConnection(
  resource: AzureResource,
  service: StorageService,
  access: SideAccess,
  redactor: Redactor,
): StorageConnection {
  const endpoint = storageEndpoint(resource, service);
  const credential = storageAccountCredential(access, resource.name, redactor);
  return {
    endpoint,
    credential,
    url: credential.kind === "sas" ? withSasToken(endpoint, credential.sasToken) : endpoint,
  };
}
