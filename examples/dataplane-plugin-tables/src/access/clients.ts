import { TableClient, TableServiceClient, type TableServiceClientOptions } from "@azure/data-tables";
import { governedClientOptions, type StorageConnection, storageConnection } from "@dataplane/azure";
import type { AzureResource, HttpGovernor, Redactor, SideAccess } from "@dataplane/core";

/** How one side reaches the table service of one storage account. */
export interface TableAccess {
  readonly endpoint: string;
  service(): TableServiceClient;
  table(name: string): TableClient;
}

/** The SDK's constructors take each kind of credential through its own overload. */
function serviceClient(
  { endpoint, credential }: StorageConnection,
  options: TableServiceClientOptions,
): TableServiceClient {
  switch (credential.kind) {
    case "sharedKey":
      return new TableServiceClient(endpoint, credential.credential, options);
    case "sas":
      return new TableServiceClient(endpoint, credential.credential, options);
    case "token":
      return new TableServiceClient(endpoint, credential.credential, options);
  }
}

function tableClient(
  { endpoint, credential }: StorageConnection,
  name: string,
  options: TableServiceClientOptions,
): TableClient {
  switch (credential.kind) {
    case "sharedKey":
      return new TableClient(endpoint, name, credential.credential, options);
    case "sas":
      return new TableClient(endpoint, name, credential.credential, options);
    case "token":
      return new TableClient(endpoint, name, credential.credential, options);
  }
}

/**
 * Table clients for one side: the endpoint from the resource document, the credential from the
 * side's access (account key, connection string, SAS or Entra ID — `@dataplane/azure` parses
 * them and registers every secret with the redactor), and core's governor as the only retry
 * and throttling layer. One client per table, made on first use.
 */
export function tableAccess(
  resource: AzureResource,
  access: SideAccess,
  context: { readonly http: HttpGovernor; readonly redactor: Redactor },
): TableAccess {
  const connection = storageConnection(resource, "table", access, context.redactor);
  const options = () =>
    governedClientOptions(context, access, {
      endpoint: connection.endpoint,
      userAgentPrefix: "dataplane-plugin-tables",
    });
  const tables = new Map<string, TableClient>();
  let service: TableServiceClient | undefined;
  return {
    endpoint: connection.endpoint,
    service() {
      service ??= serviceClient(connection, options());
      return service;
    },
    table(name) {
      let client = tables.get(name);
      if (!client) {
        client = tableClient(connection, name, options());
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
