// ARM-shaped resource documents (what `az resource show` returns) pointing at the emulators.
// Endpoints only: keys and tokens never go into a resource document.
import type { StartedEmulators } from "./startEmulators.js";

export interface ArmResource {
  id: string;
  type: string;
  name: string;
  location: string;
  kind?: string;
  sku?: Record<string, string>;
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
}

function resourceId(started: StartedEmulators, provider: string, name: string): string {
  return `/subscriptions/${started.subscriptionId}/resourceGroups/${started.resourceGroup}/providers/${provider}/${name}`;
}

export function vaultResource(started: StartedEmulators, side: "source" | "target"): ArmResource {
  const vault = started.vaults[side];
  return {
    id: resourceId(started, "Microsoft.KeyVault/vaults", vault.name),
    type: "Microsoft.KeyVault/vaults",
    name: vault.name,
    location: vault.location,
    tags: { "dataplane-emulator": side },
    properties: {
      vaultUri: vault.vaultUri,
      tenantId: vault.tenantId,
      sku: { family: "A", name: "standard" },
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enableRbacAuthorization: true,
      provisioningState: "Succeeded",
    },
  };
}

export function storageResource(started: StartedEmulators, side: "source" | "target"): ArmResource {
  const { name } = started.storageAccounts[side];
  const { azurite, files } = started;
  const primaryEndpoints: Record<string, string> = {
    blob: `${azurite.blobEndpoint(name)}/`,
    file: files.fileEndpoint(name),
  };
  if (azurite.tableEndpoint) primaryEndpoints.table = `${azurite.tableEndpoint(name)}/`;
  if (azurite.queueEndpoint) primaryEndpoints.queue = `${azurite.queueEndpoint(name)}/`;
  return {
    id: resourceId(started, "Microsoft.Storage/storageAccounts", name),
    type: "Microsoft.Storage/storageAccounts",
    name,
    location: started.location,
    kind: "StorageV2",
    sku: { name: "Standard_LRS", tier: "Standard" },
    tags: { "dataplane-emulator": side },
    properties: {
      primaryEndpoints,
      primaryLocation: started.location,
      statusOfPrimary: "available",
      provisioningState: "Succeeded",
      accessTier: "Hot",
      supportsHttpsTrafficOnly: false,
    },
  };
}
