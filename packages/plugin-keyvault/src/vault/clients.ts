import { CertificateClient, type CertificateClientOptions } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { DataplaneError, ErrorCodes, type HttpGovernor, type SideAccess } from "@dataplane/core";
import type { Pace } from "../options.js";
import { classifyRequest, KEY_VAULT_LIMITS } from "./limits.js";

type TokenCredential = ConstructorParameters<typeof SecretClient>[1];
type SdkPolicy = NonNullable<CertificateClientOptions["additionalPolicies"]>[number]["policy"];
type PipelineRequest = Parameters<SdkPolicy["sendRequest"]>[0];
type PipelineResponse = Awaited<ReturnType<SdkPolicy["sendRequest"]>>;

/** The SDK clients of one vault, all behind core's governor. */
export interface VaultClients {
  readonly side: SideAccess["side"];
  readonly vaultUrl: string;
  readonly secrets: SecretClient;
  /** Software keys (and every non-create key request). */
  readonly keys: KeyClient;
  /** Writes of HSM keys, counted against the HSM key CREATE limit. */
  readonly hsmKeys: KeyClient;
  readonly certificates: CertificateClient;
}

const USER_AGENT = "dataplane-plugin-keyvault";

/**
 * Client options for one side: core's governor is the only retry and throttling layer (the SDK's
 * own retries are off) and keeps each request class under the vault's limits — from the first
 * 429 on (`adaptive`), or from the first request (`limits`); the emulator's challenge resource
 * and CA are accepted for local sides.
 */
function clientOptions(access: SideAccess, http: HttpGovernor, hsm: boolean, pace: Pace) {
  const policy = http.policy<PipelineRequest, PipelineResponse>({
    side: access.side,
    limits: KEY_VAULT_LIMITS,
    classify: (request) => classifyRequest(request, hsm),
    pacing: pace,
  });
  return {
    additionalPolicies: [{ policy, position: "perCall" as const }],
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: USER_AGENT },
    ...(access.local ? { disableChallengeResourceVerification: true } : {}),
    ...(access.caCertificates && access.caCertificates.length > 0
      ? { tlsOptions: { ca: [...access.caCertificates] } }
      : {}),
  };
}

/**
 * `pace`: `adaptive` (default) paces requests by the service limits once the vault has answered
 * 429; `limits` paces them from the first request.
 */
export function createVaultClients(
  vaultUrl: string,
  access: SideAccess,
  http: HttpGovernor,
  pace: Pace = "adaptive",
): VaultClients {
  if (!access.tokenCredential) {
    throw new DataplaneError(
      ErrorCodes.CredentialMissing,
      `no Entra ID credential for the ${access.side} vault ${vaultUrl}`,
      {
        hint: `Configure sides.${access.side}.credential in dataplane.config.json (or pass the --credential flags)`,
      },
    );
  }
  const credential = access.tokenCredential as TokenCredential;
  const options = clientOptions(access, http, false, pace);
  return {
    side: access.side,
    vaultUrl,
    secrets: new SecretClient(vaultUrl, credential, options),
    keys: new KeyClient(vaultUrl, credential, options),
    hsmKeys: new KeyClient(vaultUrl, credential, clientOptions(access, http, true, pace)),
    certificates: new CertificateClient(vaultUrl, credential, options),
  };
}
