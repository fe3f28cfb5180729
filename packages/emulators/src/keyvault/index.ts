// Key Vault emulator: one HTTPS listener per vault that the unmodified @azure/keyvault-*
// clients talk to. See docs/keyvault.md.
export {
  DEFAULT_CHALLENGE_RESOURCE,
  DEFAULT_LOCATION,
  DEFAULT_SUBSCRIPTION_ID,
  DEFAULT_TENANT_ID,
  type KeyVaultEmulator,
  startKeyVaultEmulator,
} from "./emulator.js";
export type { KeyVaultFailureRule } from "./faults.js";
export { geographyOf } from "./geography.js";
export type {
  KeyVaultEmulatorOptions,
  KeyVaultFaults,
  KeyVaultThrottling,
  OperationStats,
  SeededSecret,
  SeedSecretOptions,
  ThrottleClass,
  VaultConfig,
  VaultInfo,
  VaultStats,
} from "./options.js";
export { LATEST_API_VERSION as KEY_VAULT_API_VERSION } from "./server/api-version.js";
export { DEFAULT_THROTTLE_WINDOW_MS, SERVICE_THROTTLE_LIMITS } from "./throttling.js";
