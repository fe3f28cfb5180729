import type { GetSecretOptions } from "@azure/keyvault-secrets";
import type { AbortSignalLike } from "@dataplane/core";

/** The SDK's abort signal type (one copy of @azure/abort-controller serves all three clients). */
export type SdkAbortSignal = NonNullable<GetSecretOptions["abortSignal"]>;

/** `{ abortSignal }` for an SDK call: core's signal is the standard AbortSignal the SDK takes. */
export function abortOptions(signal: AbortSignalLike | undefined): { abortSignal?: SdkAbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
