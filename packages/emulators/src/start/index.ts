// One call for every local endpoint (Azurite, Azure Files, Key Vault), and the files that let
// the CLI use them: resource documents, the CA, the credentials config.
export { describeEmulators } from "./describe.js";
export { type ArmResource, storageResource, vaultResource } from "./resources.js";
export type { SampleEstate } from "./seed.js";
export {
  EMULATOR_LOCATION,
  EMULATOR_RESOURCE_GROUP,
  EMULATOR_SUBSCRIPTION_ID,
  SOURCE_STORAGE_ACCOUNT,
  SOURCE_VAULT,
  type StartEmulatorsOptions,
  type StartedEmulators,
  startEmulators,
  TARGET_STORAGE_ACCOUNT,
  TARGET_VAULT,
} from "./startEmulators.js";
export {
  type DataplaneEmulatorConfig,
  type EmulatorFiles,
  emulatorConfig,
  writeEmulatorFiles,
} from "./writeFiles.js";
