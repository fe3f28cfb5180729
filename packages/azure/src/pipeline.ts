import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import type { HttpGovernor, HttpPolicyOptions, SideAccess } from "@dataplane/core";
import type { StorageAccountCredential } from "./credentials.js";

/** What the helpers need of a plugin's context (any of discover, generate or replicate). */
export interface GovernedContext {
  readonly http: HttpGovernor;
}

/** How the governor treats one client's requests, and how the client names itself. */
export interface GovernOptions extends Omit<HttpPolicyOptions, "side"> {
  /** Put in front of the SDK's `User-Agent` (e.g. your package name). */
  readonly userAgentPrefix?: string;
}

/** `additionalPolicies` entry of a core-rest-pipeline client's options. */
export interface AdditionalPolicy {
  readonly policy: PipelinePolicy;
  readonly position: "perCall" | "perRetry";
}

/**
 * Options for a client built on `@azure/core-rest-pipeline` (`@azure/data-tables`,
 * `@azure/keyvault-*`, `@azure/app-configuration`, …): spread them into the client's options.
 */
export interface GovernedClientOptions {
  /** Core's governor, once per call, outside the SDK's own policies. */
  additionalPolicies: AdditionalPolicy[];
  /** The SDK retries nothing: the governor does. */
  retryOptions: { maxRetries: number };
  userAgentOptions?: { userAgentPrefix: string };
  /** The side's extra CA certificates (`SideAccess.caCertificates`), e.g. an emulator's. */
  tlsOptions?: { ca: string[] };
  /** Set for a plain-HTTP endpoint (an emulator such as Azurite). */
  allowInsecureConnection?: boolean;
}

/** The governor's policy for one side, typed as the SDK's own `PipelinePolicy`. */
export function governorPolicy(
  context: GovernedContext,
  access: SideAccess,
  options: GovernOptions = {},
): PipelinePolicy {
  const { userAgentPrefix: _ignored, ...policyOptions } = options;
  return context.http.policy<PipelineRequest, PipelineResponse>({ ...policyOptions, side: access.side });
}

/**
 * Options that hand a core-rest-pipeline client's retries and throttling to core: the
 * governor's policy per call, the SDK's retries off, the side's CA certificates trusted, and
 * plain HTTP allowed when `endpoint` is an `http://` URL.
 *
 * ```ts
 * const client = new TableClient(endpoint, table, credential, {
 *   ...governedClientOptions(context, access, { endpoint, userAgentPrefix: "dataplane-plugin-tables" }),
 * });
 * ```
 */
export function governedClientOptions(
  context: GovernedContext,
  access: SideAccess,
  options: GovernOptions & { readonly endpoint?: string } = {},
): GovernedClientOptions {
  const { endpoint, ...governOptions } = options;
  return {
    additionalPolicies: [{ policy: governorPolicy(context, access, governOptions), position: "perCall" }],
    retryOptions: { maxRetries: 0 },
    ...(options.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } } : {}),
    ...(access.caCertificates && access.caCertificates.length > 0
      ? { tlsOptions: { ca: [...access.caCertificates] } }
      : {}),
    ...(endpoint?.startsWith("http://") ? { allowInsecureConnection: true } : {}),
  };
}

/** Pipeline options of the `@azure/storage-*` packages that the bridge sets. */
export interface StoragePipelineOptionsLike {
  retryOptions: { maxTries: number };
  keepAliveOptions: { enable: boolean };
  userAgentOptions?: { userAgentPrefix: string };
  /** Not declared by the storage option types, but passed on to the core client: see below. */
  additionalPolicies: AdditionalPolicy[];
}

/**
 * The part of a `@azure/storage-*` package (`@azure/storage-blob`, `-file-share`, `-queue`,
 * `-file-datalake`) the bridge uses: pass the package's namespace, `import * as blob from
 * "@azure/storage-blob"`, or an object with these three members.
 */
export interface StorageSdk<Pipeline, SharedKey, Anonymous> {
  newPipeline(
    credential?: SharedKey | Anonymous | TokenCredential,
    options?: StoragePipelineOptionsLike,
  ): Pipeline;
  readonly StorageSharedKeyCredential: new (accountName: string, accountKey: string) => SharedKey;
  readonly AnonymousCredential: new () => Anonymous;
}

/**
 * A list that hands out its entries to the first reader only. The storage SDKs build one core
 * pipeline per `Pipeline` object and share it with every child client (container, blob, share,
 * directory, file, queue), but each child also adds the options' `additionalPolicies` to it
 * again, which core-rest-pipeline refuses ("Duplicate policy names not allowed in pipeline").
 * The first client (the service client) adds the governor; the others find the list empty.
 */
function once(entries: AdditionalPolicy[]): AdditionalPolicy[] {
  const list = [...entries];
  Object.defineProperty(list, Symbol.iterator, {
    value: function* (this: AdditionalPolicy[]) {
      yield* this.splice(0);
    },
  });
  return list;
}

/**
 * A `newPipeline(…)` of a `@azure/storage-*` package whose retries and throttling are core's:
 * the storage SDK retries nothing (`maxTries: 1`) and the governor's policy runs once per call,
 * seeing the SDK's own request (so a 401/403 is traced to its side). The credential is the
 * package's own `StorageSharedKeyCredential`, an `AnonymousCredential` for a SAS (give the
 * client `connection.url`, which carries it), or the Entra ID credential.
 *
 * ```ts
 * import * as blob from "@azure/storage-blob";
 * const connection = storageConnection(resource, "blob", access, context.redactor);
 * const service = new blob.BlobServiceClient(
 *   connection.url,
 *   governedStoragePipeline(blob, connection.credential, context, access),
 * );
 * ```
 */
export function governedStoragePipeline<Pipeline, SharedKey, Anonymous>(
  sdk: StorageSdk<Pipeline, SharedKey, Anonymous>,
  credential: StorageAccountCredential,
  context: GovernedContext,
  access: SideAccess,
  options: GovernOptions = {},
): Pipeline {
  const pipelineOptions: StoragePipelineOptionsLike = {
    retryOptions: { maxTries: 1 },
    keepAliveOptions: { enable: true },
    ...(options.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } } : {}),
    additionalPolicies: once([{ policy: governorPolicy(context, access, options), position: "perCall" }]),
  };
  switch (credential.kind) {
    case "sharedKey":
      return sdk.newPipeline(
        new sdk.StorageSharedKeyCredential(credential.accountName, credential.accountKey),
        pipelineOptions,
      );
    case "sas":
      return sdk.newPipeline(new sdk.AnonymousCredential(), pipelineOptions);
    case "token":
      return sdk.newPipeline(credential.credential, pipelineOptions);
  }
}
