import type { NamedKeyCredential, SASCredential, TokenCredential } from "@azure/core-auth";
import {
  AzureNamedKeyCredential,
  AzureSASCredential,
  TableClient,
  TableServiceClient,
  type TableServiceClientOptions,
} from "@azure/data-tables";
import {
  type AzureResource,
  DataplaneError,
  ErrorCodes,
  type HttpGovernor,
  type Redactor,
  resourceProperty,
  type SideAccess,
} from "@dataplane/core";

type Credential = NamedKeyCredential | SASCredential | TokenCredential;

/** How one side reaches the table service of one storage account. */
export interface TableAccess {
  readonly endpoint: string;
  service(): TableServiceClient;
  table(name: string): TableClient;
}

/** `https://<account>.table.core.windows.net/`, or an emulator's `http://127.0.0.1:PORT/<account>/`. */
export function tableEndpoint(resource: AzureResource): string {
  const endpoint = resourceProperty(resource, "primaryEndpoints.table");
  if (!endpoint) {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `the storage account ${resource.name} has no table endpoint (properties.primaryEndpoints.table)`,
      { hint: "Give the document `az storage account show` (or `az resource show`) prints for the account" },
    );
  }
  return endpoint.replace(/\/+$/, "");
}

function parseConnectionString(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const segment of text.split(";")) {
    const at = segment.indexOf("=");
    if (at > 0) parts.set(segment.slice(0, at).trim().toLowerCase(), segment.slice(at + 1).trim());
  }
  return parts;
}

/**
 * The credential of one side: a configured storage credential (account key, connection string,
 * SAS) wins over Entra ID. Every secret is registered with the run's redactor before it is used.
 */
function credentialFor(access: SideAccess, account: string, redactor: Redactor): Credential {
  const storage = access.storage;
  if (storage?.type === "sharedKey") {
    redactor.addSecret(storage.accountKey);
    return new AzureNamedKeyCredential(storage.accountName || account, storage.accountKey);
  }
  if (storage?.type === "sas") {
    redactor.addSecret(storage.sasToken);
    return new AzureSASCredential(storage.sasToken.replace(/^\?/, ""));
  }
  if (storage?.type === "connectionString") {
    redactor.addSecret(storage.connectionString);
    const parts = parseConnectionString(storage.connectionString);
    const key = parts.get("accountkey");
    const sas = parts.get("sharedaccesssignature");
    if (key) {
      redactor.addSecret(key);
      return new AzureNamedKeyCredential(parts.get("accountname") ?? account, key);
    }
    if (sas) {
      redactor.addSecret(sas);
      return new AzureSASCredential(sas.replace(/^\?/, ""));
    }
    throw new DataplaneError(
      ErrorCodes.InvalidConfig,
      `the ${access.side} connection string for ${account} has neither AccountKey nor SharedAccessSignature`,
      { hint: "Use the account's connection string from `az storage account show-connection-string`" },
    );
  }
  if (access.tokenCredential) return access.tokenCredential;
  throw new DataplaneError(
    ErrorCodes.CredentialMissing,
    `no credential for the ${access.side} storage account ${account}`,
    {
      hint: `Sign in with Entra ID (az login), or set storage.${account}.accountKey in dataplane.config.json`,
    },
  );
}

function isNamedKey(credential: Credential): credential is NamedKeyCredential {
  return "name" in credential && "key" in credential;
}

function isSas(credential: Credential): credential is SASCredential {
  return "signature" in credential;
}

function serviceClient(endpoint: string, credential: Credential, options: TableServiceClientOptions) {
  if (isNamedKey(credential)) return new TableServiceClient(endpoint, credential, options);
  if (isSas(credential)) return new TableServiceClient(endpoint, credential, options);
  return new TableServiceClient(endpoint, credential, options);
}

function tableClient(
  endpoint: string,
  name: string,
  credential: Credential,
  options: TableServiceClientOptions,
) {
  if (isNamedKey(credential)) return new TableClient(endpoint, name, credential, options);
  if (isSas(credential)) return new TableClient(endpoint, name, credential, options);
  return new TableClient(endpoint, name, credential, options);
}

/**
 * Table clients whose retries and throttling are core's: the SDK retries nothing, and the
 * governor's policy runs once per call. One client per table, made on first use.
 */
export function tableAccess(
  resource: AzureResource,
  access: SideAccess,
  context: { readonly http: HttpGovernor; readonly redactor: Redactor },
): TableAccess {
  const endpoint = tableEndpoint(resource);
  const credential = credentialFor(access, resource.name, context.redactor);
  const options = (): TableServiceClientOptions => ({
    additionalPolicies: [{ policy: context.http.policy({ side: access.side }), position: "perCall" }],
    retryOptions: { maxRetries: 0 },
    allowInsecureConnection: endpoint.startsWith("http://"),
    userAgentOptions: { userAgentPrefix: "dataplane-plugin-tables" },
  });
  const tables = new Map<string, TableClient>();
  let service: TableServiceClient | undefined;
  return {
    endpoint,
    service() {
      service ??= serviceClient(endpoint, credential, options());
      return service;
    },
    table(name) {
      let client = tables.get(name);
      if (!client) {
        client = tableClient(endpoint, name, credential, options());
        tables.set(name, client);
      }
      return client;
    },
  };
}

/** True for the service's "not found" answers (a table or an entity that does not exist). */
export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: unknown } | null)?.statusCode === 404;
}
