import type { GetSecretOptions } from "@azure/keyvault-secrets";
import type { AbortSignalLike } from "@dataplane/core";

/** The SDK's abort signal type (one copy of @azure/abort-controller serves all three clients). */
export type SdkAbortSignal = NonNullable<GetSecretOptions["abortSignal"]>;

/**
 * `{ abortSignal }` for an SDK call. Core's structural `AbortSignalLike` declares its listener
 * without the event argument, so TypeScript does not relate it to the SDK's; any real
 * AbortSignal satisfies both.
 */
export function abortOptions(signal: AbortSignalLike | undefined): { abortSignal?: SdkAbortSignal } {
  return signal ? { abortSignal: signal as unknown as SdkAbortSignal } : {};
}
