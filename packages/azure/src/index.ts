// @dataplane/azure — Azure SDK glue for dataplane plugins: credentials and endpoints of a side
// as SDK credentials, and core's governor in any Azure SDK client's pipeline.
export {
  entraCredential,
  parseStorageConnectionString,
  type StorageAccountCredential,
  type StorageConnection,
  type StorageConnectionString,
  type StorageService,
  storageAccountCredential,
  storageConnection,
  storageEndpoint,
  withSasToken,
} from "./credentials.js";
export {
  type AdditionalPolicy,
  type GovernedClientOptions,
  type GovernedContext,
  type GovernOptions,
  governedClientOptions,
  governedStoragePipeline,
  governorPolicy,
  type StoragePipelineOptionsLike,
  type StorageSdk,
} from "./pipeline.js";
