// Azurite (Blob, Queue, Table) started for you: child processes on loopback ports with several
// accounts, which never outlive the process that started them.
export type { StorageAccount, StorageAccountInput } from "./accounts.js";
export { type AzuriteInstance, type AzuriteOptions, type AzuriteService, startAzurite } from "./launcher.js";
