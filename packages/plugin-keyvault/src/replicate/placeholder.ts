/**
 * Template mode writes this instead of a secret value, and tags the secret so the ones to fill
 * in can be found: `az keyvault secret list --vault-name <v> --query "[?tags.\"dataplane-placeholder\"=='true'].name"`.
 */
export const PLACEHOLDER_VALUE = "dataplane-placeholder: replace with the real value";
export const PLACEHOLDER_TAG = "dataplane-placeholder";
