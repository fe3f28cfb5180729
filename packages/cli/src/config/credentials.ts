import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  type AzureResource,
  DataplaneError,
  ErrorCodes,
  type Redactor,
  type Side,
  type SideAccess,
  type StorageCredential,
  type TokenCredentialLike,
} from "@dataplane/core";
import { CREDENTIAL_TYPES, type CredentialConfig, type LoadedConfig, resolveSecret } from "./config.js";

/** Credential choices from flags (`--source-credential`, `--source-tenant`, …). */
export interface CredentialFlags {
  readonly credential?: string;
  readonly tenant?: string;
}

function envName(side: Side, what: string): string {
  return `DATAPLANE_${side.toUpperCase()}_${what}`;
}

function staticToken(token: string): TokenCredentialLike {
  return {
    async getToken() {
      return { token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
    },
  };
}

function credentialFromType(type: string, side: Side, tenantId: string | undefined): CredentialConfig {
  switch (type) {
    case "default":
      return { type: "default", ...(tenantId ? { tenantId } : {}) };
    case "azure-cli":
      return { type: "azure-cli", ...(tenantId ? { tenantId } : {}) };
    case "environment":
      return { type: "environment" };
    case "managed-identity":
      return { type: "managed-identity" };
    case "workload-identity":
      return { type: "workload-identity", ...(tenantId ? { tenantId } : {}) };
    case "static-token":
      return { type: "static-token", token: { env: envName(side, "TOKEN") } };
    default:
      throw new DataplaneError(
        ErrorCodes.InvalidConfig,
        `unknown credential type "${type}" for the ${side}`,
        {
          hint: `Use one of: ${CREDENTIAL_TYPES.join(", ")} (client-secret and client-certificate are configured in dataplane.config.json)`,
        },
      );
  }
}

type Identity = typeof import("@azure/identity");

/** `@azure/identity` is loaded on the first token request: commands that need none start fast. */
function lazy(create: (identity: Identity) => TokenCredentialLike): TokenCredentialLike {
  let credential: Promise<TokenCredentialLike> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import("@azure/identity").then(create);
      return (await credential).getToken(scopes, options);
    },
  };
}

function buildCredential(
  config: CredentialConfig,
  side: Side,
  redactor: Redactor,
  dir: string,
): TokenCredentialLike {
  const where = `sides.${side}.credential`;
  switch (config.type) {
    case "default":
      return lazy(
        (id) =>
          new id.DefaultAzureCredential({
            ...(config.tenantId ? { tenantId: config.tenantId } : {}),
            ...(config.managedIdentityClientId
              ? { managedIdentityClientId: config.managedIdentityClientId }
              : {}),
          }),
      );
    case "azure-cli":
      return lazy((id) => new id.AzureCliCredential(config.tenantId ? { tenantId: config.tenantId } : {}));
    case "environment":
      return lazy((id) => new id.EnvironmentCredential());
    case "managed-identity":
      return lazy((id) =>
        config.clientId
          ? new id.ManagedIdentityCredential({ clientId: config.clientId })
          : new id.ManagedIdentityCredential(),
      );
    case "workload-identity":
      return lazy(
        (id) =>
          new id.WorkloadIdentityCredential({
            ...(config.tenantId ? { tenantId: config.tenantId } : {}),
            ...(config.clientId ? { clientId: config.clientId } : {}),
          }),
      );
    case "client-secret": {
      const secret = resolveSecret(config.clientSecret, `${where}.clientSecret`);
      redactor.addSecret(secret);
      return lazy((id) => new id.ClientSecretCredential(config.tenantId, config.clientId, secret));
    }
    case "client-certificate": {
      const certificatePath = resolve(dir, config.certificatePath);
      return lazy(
        (id) => new id.ClientCertificateCredential(config.tenantId, config.clientId, certificatePath),
      );
    }
    case "static-token": {
      const token = resolveSecret(config.token, `${where}.token`);
      redactor.addSecret(token);
      return staticToken(token);
    }
  }
}

/** Storage account credential for a resource, from the environment or the config's `storage` map. */
function storageCredential(
  resource: AzureResource,
  loaded: LoadedConfig,
  redactor: Redactor,
): StorageCredential | undefined {
  if (resource.type.toLowerCase() !== "microsoft.storage/storageaccounts") return undefined;
  const account = resource.name;
  const envPrefix = `DATAPLANE_STORAGE_${account.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  const fromEnv = (suffix: string) => {
    const v = process.env[`${envPrefix}_${suffix}`];
    return v && v.length > 0 ? v : undefined;
  };
  const entry = loaded.config.storage?.[account];
  const where = `storage.${account}`;
  const key =
    fromEnv("KEY") ??
    (entry?.accountKey ? resolveSecret(entry.accountKey, `${where}.accountKey`) : undefined);
  const connectionString =
    fromEnv("CONNECTION_STRING") ??
    (entry?.connectionString
      ? resolveSecret(entry.connectionString, `${where}.connectionString`)
      : undefined);
  const sas =
    fromEnv("SAS") ?? (entry?.sasToken ? resolveSecret(entry.sasToken, `${where}.sasToken`) : undefined);
  if (key) {
    redactor.addSecret(key);
    return { type: "sharedKey", accountName: account, accountKey: key };
  }
  if (connectionString) {
    redactor.addSecret(connectionString);
    return { type: "connectionString", connectionString };
  }
  if (sas) {
    redactor.addSecret(sas);
    return { type: "sas", sasToken: sas };
  }
  return undefined;
}

/**
 * How one side reaches one resource: flags override environment variables, which override
 * the config file; `DefaultAzureCredential` when nothing is chosen. Secrets are registered
 * with the redactor as they are read; nothing here is ever printed.
 */
export function buildSideAccess(
  side: Side,
  resource: AzureResource,
  loaded: LoadedConfig,
  flags: CredentialFlags,
  redactor: Redactor,
): SideAccess {
  const sideConfig = loaded.config.sides?.[side];
  const tenantId = flags.tenant ?? process.env[envName(side, "TENANT_ID")] ?? sideConfig?.tenantId;
  const chosenType = flags.credential ?? process.env[envName(side, "CREDENTIAL")];
  const credentialConfig: CredentialConfig = chosenType
    ? credentialFromType(chosenType, side, tenantId)
    : (sideConfig?.credential ?? { type: "default", ...(tenantId ? { tenantId } : {}) });
  const tokenCredential = buildCredential(credentialConfig, side, redactor, loaded.dir);
  let caCertificates: string[] | undefined;
  if (sideConfig?.caFile) {
    const caPath = resolve(loaded.dir, sideConfig.caFile);
    try {
      caCertificates = [readFileSync(caPath, "utf8")];
    } catch (error) {
      throw new DataplaneError(
        ErrorCodes.InvalidConfig,
        `cannot read sides.${side}.caFile ${caPath}: ${(error as Error).message}`,
        { hint: "Fix the path in the config (relative paths are relative to the config file)" },
      );
    }
  }
  const storage = storageCredential(resource, loaded, redactor);
  return {
    side,
    tokenCredential,
    ...(tenantId ? { tenantId } : {}),
    ...(storage ? { storage } : {}),
    ...(sideConfig?.local ? { local: true } : {}),
    ...(caCertificates ? { caCertificates } : {}),
  };
}
