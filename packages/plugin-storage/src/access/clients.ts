import {
  AnonymousCredential,
  type StoragePipelineOptions as BlobPipelineOptions,
  BlobServiceClient,
  StorageSharedKeyCredential as BlobSharedKey,
  newPipeline as newBlobPipeline,
} from "@azure/storage-blob";
import {
  AnonymousCredential as FileAnonymousCredential,
  type StoragePipelineOptions as FilePipelineOptions,
  StorageSharedKeyCredential as FileSharedKey,
  newPipeline as newFilePipeline,
  ShareServiceClient,
} from "@azure/storage-file-share";
import type { HttpGovernor, PipelinePolicyLike, Side } from "@dataplane/core";
import type { AccountCredential } from "./credentials.js";

/** SDK options plus the core-client field the storage option types do not declare. */
interface GovernedOptions {
  retryOptions: { maxTries: number };
  keepAliveOptions: { enable: boolean };
  userAgentOptions: { userAgentPrefix: string };
  additionalPolicies?: { policy: PipelinePolicyLike; position: "perCall" | "perRetry" }[];
}

/**
 * Pipeline options that leave retries and throttling to core's governor: the SDK retries
 * nothing (`maxTries: 1`), the governor's policy runs once per call, outside everything else.
 */
function governedOptions(http: HttpGovernor, side: Side): GovernedOptions {
  return {
    retryOptions: { maxTries: 1 },
    keepAliveOptions: { enable: true },
    userAgentOptions: { userAgentPrefix: "dataplane-plugin-storage" },
    additionalPolicies: [{ policy: http.policy({ side }), position: "perCall" }],
  };
}

/**
 * The storage SDKs hand their pipeline options to every child client (container, blob, share,
 * directory, file), and core-client adds `additionalPolicies` to the shared pipeline each
 * time: a second child would fail with "Duplicate policy names". Once the service client has
 * added the policy, the options must stop carrying it.
 */
function policyAdded(options: GovernedOptions): void {
  delete options.additionalPolicies;
}

function withSas(url: string, sasToken: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${sasToken}`;
}

export function blobServiceClient(
  endpoint: string,
  credential: AccountCredential,
  http: HttpGovernor,
  side: Side,
): BlobServiceClient {
  const options = governedOptions(http, side) satisfies BlobPipelineOptions;
  let client: BlobServiceClient;
  switch (credential.kind) {
    case "sharedKey":
      client = new BlobServiceClient(
        endpoint,
        newBlobPipeline(new BlobSharedKey(credential.accountName, credential.accountKey), options),
      );
      break;
    case "sas":
      client = new BlobServiceClient(
        withSas(endpoint, credential.sasToken),
        newBlobPipeline(new AnonymousCredential(), options),
      );
      break;
    case "token":
      client = new BlobServiceClient(endpoint, newBlobPipeline(credential.credential, options));
      break;
  }
  policyAdded(options);
  return client;
}

export function shareServiceClient(
  endpoint: string,
  credential: AccountCredential,
  http: HttpGovernor,
  side: Side,
): ShareServiceClient {
  const options = governedOptions(http, side) satisfies FilePipelineOptions;
  let client: ShareServiceClient;
  switch (credential.kind) {
    case "sharedKey":
      client = new ShareServiceClient(
        endpoint,
        newFilePipeline(new FileSharedKey(credential.accountName, credential.accountKey), options),
      );
      break;
    case "sas":
      client = new ShareServiceClient(
        withSas(endpoint, credential.sasToken),
        newFilePipeline(new FileAnonymousCredential(), options),
      );
      break;
    case "token":
      // Files over OAuth needs the backup intent (and the Privileged roles).
      client = new ShareServiceClient(endpoint, newFilePipeline(credential.credential, options), {
        fileRequestIntent: "backup",
      });
      break;
  }
  policyAdded(options);
  return client;
}
