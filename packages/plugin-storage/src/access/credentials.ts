/**
 * How one side authenticates to the account: account key, a SAS it was given, or Entra ID —
 * parsed once, for every plugin, by `@dataplane/azure` (connection strings included; every
 * secret registered with the redactor first).
 */
export {
  type StorageAccountCredential as AccountCredential,
  storageAccountCredential as accountCredential,
} from "@dataplane/azure";
