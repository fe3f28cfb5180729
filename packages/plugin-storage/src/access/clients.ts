import * as blob from "@azure/storage-blob";
import * as files from "@azure/storage-file-share";
import { governedStoragePipeline, withSasToken } from "@dataplane/azure";
import type { HttpGovernor, Side } from "@dataplane/core";
import type { AccountCredential } from "./credentials.js";

const USER_AGENT = { userAgentPrefix: "dataplane-plugin-storage" };

/** The client's URL: the endpoint, with the SAS appended when the side was given one. */
function clientUrl(endpoint: string, credential: AccountCredential): string {
  return credential.kind === "sas" ? withSasToken(endpoint, credential.sasToken) : endpoint;
}

/**
 * A Blob service client whose retries and throttling are core's governor's (the SDK retries
 * nothing); its container and blob clients share the same pipeline.
 */
export function blobServiceClient(
  endpoint: string,
  credential: AccountCredential,
  http: HttpGovernor,
  side: Side,
): blob.BlobServiceClient {
  return new blob.BlobServiceClient(
    clientUrl(endpoint, credential),
    governedStoragePipeline(blob, credential, { http }, { side }, USER_AGENT),
  );
}

/** The same for Azure Files; over Entra ID with the backup intent (and the Privileged roles). */
export function shareServiceClient(
  endpoint: string,
  credential: AccountCredential,
  http: HttpGovernor,
  side: Side,
): files.ShareServiceClient {
  const pipeline = governedStoragePipeline(files, credential, { http }, { side }, USER_AGENT);
  return credential.kind === "token"
    ? new files.ShareServiceClient(endpoint, pipeline, { fileRequestIntent: "backup" })
    : new files.ShareServiceClient(clientUrl(endpoint, credential), pipeline);
}
