import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DataplaneError, ErrorCodes } from "@dataplane/core";
import { z } from "zod";

/** A secret in the config: a literal, or `{ "env": "NAME" }` read from the environment. */
const secretRef = z.union([z.string().min(1), z.object({ env: z.string().min(1) }).strict()]);
export type SecretRef = z.infer<typeof secretRef>;

export const CREDENTIAL_TYPES = [
  "default",
  "azure-cli",
  "environment",
  "managed-identity",
  "workload-identity",
  "client-secret",
  "client-certificate",
  "static-token",
] as const;

const credential = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("default"),
      tenantId: z.string().optional(),
      managedIdentityClientId: z.string().optional(),
    })
    .strict(),
  z.object({ type: z.literal("azure-cli"), tenantId: z.string().optional() }).strict(),
  z.object({ type: z.literal("environment") }).strict(),
  z.object({ type: z.literal("managed-identity"), clientId: z.string().optional() }).strict(),
  z
    .object({
      type: z.literal("workload-identity"),
      tenantId: z.string().optional(),
      clientId: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal("client-secret"),
      tenantId: z.string(),
      clientId: z.string(),
      clientSecret: secretRef,
    })
    .strict(),
  z
    .object({
      type: z.literal("client-certificate"),
      tenantId: z.string(),
      clientId: z.string(),
      certificatePath: z.string(),
    })
    .strict(),
  z.object({ type: z.literal("static-token"), token: secretRef }).strict(),
]);
export type CredentialConfig = z.infer<typeof credential>;

const side = z
  .object({
    credential: credential.optional(),
    tenantId: z.string().optional(),
    /** Endpoints are local emulators. */
    local: z.boolean().optional(),
    /** PEM file of a CA to trust for this side's endpoints (relative to the config file). */
    caFile: z.string().optional(),
  })
  .strict();
export type SideConfig = z.infer<typeof side>;

const storage = z
  .object({
    accountKey: secretRef.optional(),
    connectionString: secretRef.optional(),
    sasToken: secretRef.optional(),
  })
  .strict();
export type StorageConfig = z.infer<typeof storage>;

const configSchema = z
  .object({
    $schema: z.string().optional(),
    plugins: z.array(z.string()).optional(),
    sides: z.object({ source: side.optional(), target: side.optional() }).strict().optional(),
    /** Storage account credentials by account name. */
    storage: z.record(z.string(), storage).optional(),
    defaults: z
      .object({
        mode: z.enum(["template", "replication"]).optional(),
        onConflict: z.enum(["skip", "overwrite", "fail"]).optional(),
        maxInFlight: z.number().int().positive().optional(),
        rate: z.number().positive().optional(),
        /** Retries of throttling and connection errors (default 10). */
        maxRetries: z.number().int().nonnegative().optional(),
        /** Retries of other server errors: 500, 502, 504, 408 (default 3). */
        serverErrorRetries: z.number().int().nonnegative().optional(),
        /** Longest single wait in milliseconds chosen without Retry-After (default 30000). */
        maxRetryDelay: z.number().int().positive().optional(),
        /** Seconds an endpoint may fail every request at the connection level before the run stops (default 120). */
        unreachableAfter: z.number().int().positive().optional(),
        /** Seconds items in flight get to finish after Ctrl-C or SIGTERM (default 25). */
        stopGrace: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type DataplaneConfig = z.infer<typeof configSchema>;

export interface LoadedConfig {
  readonly config: DataplaneConfig;
  /** The file it came from (undefined: no config file). */
  readonly path?: string;
  readonly dir: string;
}

export const DEFAULT_CONFIG_NAME = "dataplane.config.json";

function flatten(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? `${i.path.map(String).join(".")}: ` : ""}${i.message}`)
    .join("; ");
}

/** Reads `--config`, else `DATAPLANE_CONFIG`, else ./dataplane.config.json when present. */
export function loadConfig(explicitPath: string | undefined, cwd: string): LoadedConfig {
  const requested = explicitPath ?? process.env.DATAPLANE_CONFIG;
  const path = requested ? resolve(cwd, requested) : resolve(cwd, DEFAULT_CONFIG_NAME);
  if (!requested && !existsSync(path)) return { config: {}, dir: cwd };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new DataplaneError(
      ErrorCodes.InvalidConfig,
      `cannot read config file ${path}: ${(error as Error).message}`,
      {
        hint: "Check the --config path (or DATAPLANE_CONFIG)",
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataplaneError(
      ErrorCodes.InvalidConfig,
      `config file ${path} is not valid JSON: ${(error as Error).message}`,
      {
        hint: "Fix the JSON syntax",
      },
    );
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new DataplaneError(
      ErrorCodes.InvalidConfig,
      `config file ${path} is invalid: ${flatten(parsed.error)}`,
      {
        hint: `Credential types: ${CREDENTIAL_TYPES.join(", ")}; see the README's "Credentials" section`,
      },
    );
  }
  return { config: parsed.data, path, dir: dirname(path) };
}

/** Resolves a secret reference; a missing environment variable is a clear error. */
export function resolveSecret(ref: SecretRef, where: string): string {
  if (typeof ref === "string") return ref;
  const value = process.env[ref.env];
  if (value === undefined || value === "") {
    throw new DataplaneError(
      ErrorCodes.CredentialMissing,
      `environment variable ${ref.env} (named in ${where}) is not set`,
      {
        hint: `Export ${ref.env} before running, or change ${where} in the config`,
      },
    );
  }
  return value;
}
