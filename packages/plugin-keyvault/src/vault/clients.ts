import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { entraCredential, governedClientOptions } from "@dataplane/azure";
import type { HttpGovernor, SideAccess } from "@dataplane/core";
import type { Pace } from "../options.js";
import { classifyRequest, KEY_VAULT_LIMITS } from "./limits.js";

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
  return {
    ...governedClientOptions({ http }, access, {
      limits: KEY_VAULT_LIMITS,
      classify: (request) => classifyRequest(request, hsm),
      pacing: pace,
      userAgentPrefix: USER_AGENT,
    }),
    ...(access.local ? { disableChallengeResourceVerification: true } : {}),
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
  const credential = entraCredential(access, `vault ${vaultUrl}`);
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
