import { badParameter } from "./errors.js";

/**
 * api-versions the emulator answers. Responses follow the 2025-07-01 spec for all of them;
 * `@azure/keyvault-secrets` 4.12 sends 2026-04-01 by default, the keys and certificates
 * clients send 2025-07-01.
 */
export const LATEST_API_VERSION = "2025-07-01";

const DATED_VERSIONS = new Set(["2025-07-01", "2026-04-01"]);
const NUMBERED_VERSION = /^7\.[0-6](-preview(\.\d+)?)?$/;

export function isSupportedApiVersion(version: string): boolean {
  return DATED_VERSIONS.has(version) || NUMBERED_VERSION.test(version);
}

/** The request's api-version, or the service's 400 when it is missing or unknown. */
export function requireApiVersion(query: URLSearchParams): string {
  const version = query.get("api-version");
  if (version === null || version === "") {
    throw badParameter("The 'api-version' query parameter is missing. It is required on every request.");
  }
  if (!isSupportedApiVersion(version)) {
    throw badParameter(
      `The specified version (${version}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}).`,
    );
  }
  return version;
}
