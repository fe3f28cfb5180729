import {
  type DataPlaneItem,
  DataplaneError,
  ErrorCodes,
  expr,
  type GenerateContext,
  type GeneratedOutput,
  type HclBlock,
  HclFile,
  type HclValue,
  type IacFormat,
  IdentifierAllocator,
  parseResourceId,
  type RequiredVariable,
  ref,
  tfvarsExample,
  VersionFloor,
} from "@dataplane/core";
import type { BlobItem, ContainerItem, DirectoryItem, ShareItem } from "../items.js";
import { isStorageItem } from "../items.js";
import { readSettings } from "../options.js";
import { encodePath } from "../util/paths.js";

const CONTAINER = "azurerm_storage_container";
const SHARE = "azurerm_storage_share";
const DIRECTORY = "azurerm_storage_share_directory";
const BLOB = "azurerm_storage_blob";

/**
 * Metadata keys azurerm takes (its validator, checked in code, not in the schema): two or more
 * lower-case letters, digits and underscores, starting with a letter or underscore, and not a
 * C# keyword. Keys are compared lower-cased, as the service does.
 */
const METADATA_KEY = /^[a-z_][a-z0-9_]+$/;
const CSHARP_KEYWORDS = new Set(
  (
    "abstract as base bool break byte case catch char checked class const continue decimal default " +
    "delegate do double else enum event explicit extern false finally fixed float for foreach goto if " +
    "implicit in int interface internal is lock long namespace new null object operator out override " +
    "params private protected public readonly ref return sbyte sealed short sizeof stackalloc static " +
    "string struct switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual " +
    "void volatile while"
  ).split(" "),
);

/** Blob tiers `azurerm_storage_blob` accepts (a Cold blob is refused). */
const BLOB_TIERS = new Set(["Archive", "Cool", "Hot"]);

/** Container names azurerm takes: the special `$root` and `$web`, else 3–63 of [a-z0-9-]. */
const CONTAINER_NAME = /^(\$root|\$web|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;

/** azurerm versions: each argument used raises the floor to the version that has it. */
const AZURERM = {
  storageAccountId: ["4.9.0", "storage_account_id on containers and shares"],
  storageShareUrl: ["4.54.0", "storage_share_url on share directories"],
  storageContainerId: ["4.77.0", "storage_container_id on blobs"],
} as const;

interface Variable extends RequiredVariable {
  readonly example: string;
}

const VARIABLES = {
  subscriptionId: {
    name: "subscription_id",
    description:
      "Subscription of the target storage account (null: ARM_SUBSCRIPTION_ID from the environment)",
    sensitive: false,
    type: "string",
    example: "00000000-0000-0000-0000-000000000000",
  },
  accountId: {
    name: "storage_account_id",
    description: "Resource id of the target storage account",
    sensitive: false,
    type: "string",
    example:
      "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<account>",
  },
  sourceSasUrl: {
    name: "source_blob_sas_url",
    description:
      "Blob endpoint of the SOURCE account with a short-lived read-only SAS, e.g. https://<account>.blob.core.windows.net/?<SAS token> (set it with TF_VAR_source_blob_sas_url; never commit it)",
    sensitive: true,
    type: "string",
    example: "",
  },
} as const satisfies Record<string, Variable>;

/**
 * The metadata azurerm can take, and the keys it cannot: those are left out, named in a comment
 * on the resource and in a warning.
 */
function metadataValue(
  b: HclBlock,
  metadata: Record<string, string> | undefined,
  where: string,
  warnings: string[],
): HclValue | undefined {
  if (!metadata || Object.keys(metadata).length === 0) return undefined;
  const out: Record<string, string> = {};
  const refused: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    const lower = key.toLowerCase();
    if (!METADATA_KEY.test(lower) || CSHARP_KEYWORDS.has(lower)) refused.push(key);
    else out[lower] = value;
  }
  if (refused.length > 0) {
    const names = refused.map((k) => JSON.stringify(k)).join(", ");
    b.comment(
      `Metadata left out: azurerm refuses the key${refused.length === 1 ? "" : "s"} ${names} (keys need 2+ lower-case\n` +
        "letters, digits or underscores, start with a letter or underscore, and are no C# keyword).\n" +
        "Copy them with `dataplane replicate`, which keeps all metadata.",
    );
    warnings.push(`${where}: metadata ${names} left out (azurerm refuses these keys)`);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function variableBlock(file: HclFile, v: Variable, nullable = false): void {
  file.block("variable", [v.name], (b) => {
    b.attr("description", v.description);
    b.attr("type", expr(v.type ?? "string"));
    if (v.sensitive) b.attr("sensitive", true);
    if (nullable) b.attr("default", null);
  });
}

function readme(
  account: string,
  counts: Record<string, number>,
  includeBlobs: boolean,
  azurerm: string,
): string {
  const made = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${what}`)
    .join(", ");
  const roles = [
    "- **Storage Account Contributor** (or another role with `Microsoft.Storage/storageAccounts/*/containers/write` and `…/shares/write`): containers and shares are created through Azure Resource Manager (`storage_account_id`).",
  ];
  if (includeBlobs) roles.push("- **Storage Blob Data Contributor**: the blobs (data plane, Entra ID).");
  if (counts.directories)
    roles.push(
      "- **Storage File Data Privileged Contributor**: the share directories (data plane; Entra ID access to files needs the privileged role).",
    );
  return `# Storage account \`${account}\` as Terraform

Generated by \`dataplane generate\` (plugin \`storage\`): ${made || "nothing"}. It needs azurerm ${azurerm}
(the lowest version with every argument used; see \`versions.tf\`).

\`\`\`bash
cp terraform.tfvars.example terraform.tfvars   # fill in storage_account_id
az login
export ARM_SUBSCRIPTION_ID=<subscription of the target account>   # or subscription_id in terraform.tfvars
terraform init && terraform plan
\`\`\`

## What \`terraform plan\` and \`terraform apply\` need

- A signed-in identity: \`az login\` (or the \`ARM_CLIENT_ID\` / \`ARM_TENANT_ID\` / … variables of a service principal or a managed identity).
- The subscription of the target account: \`ARM_SUBSCRIPTION_ID\` or \`subscription_id\`.
- These roles on the target account for that identity (the provider uses Entra ID, never account keys: \`storage_use_azuread = true\`):
${roles.join("\n")}

## What it creates

This code creates the **structure** — containers, shares and directories with their properties${
    includeBlobs
      ? ", and one `azurerm_storage_blob` per blob whose content the service copies from `var.source_blob_sas_url` (set it with `TF_VAR_source_blob_sas_url`: a read-only SAS, never written to these files, but Terraform keeps it in its state)"
      : ""
  }. It does not copy the data of blobs and files${includeBlobs ? " of file shares" : ""}. Metadata keys that azurerm refuses (one character, C# keywords such as \`class\`, …) are left out and named in a comment on the resource.${
    includeBlobs
      ? " Blobs in the Cold tier get no `access_tier` (azurerm accepts only Archive, Cool and Hot): they start in the account's default tier, and the comment says how to set Cold after apply. Archived and append blobs are not generated (see the comments in `blobs.tf`)."
      : ""
  }

## Copying the data

Copy the content server-side with \`dataplane replicate\`: incremental (a re-run copies only what
changed), resumable (\`--resume\`), and no SAS is ever written anywhere:

\`\`\`bash
dataplane replicate --source source-storage.json --target target-storage.json --verify
\`\`\`

where the two files are the accounts' resource documents (\`az storage account show -n <name> > source-storage.json\`).
Add \`--dry-run\` first to see the plan; \`--containers\`, \`--shares\` and \`--prefix\` narrow it down.
`;
}

/** Terraform for containers, shares and directories (and blobs with `--include-blobs`). */
export async function generateTerraform(
  items: AsyncIterable<DataPlaneItem> | Iterable<DataPlaneItem>,
  format: IacFormat,
  context: GenerateContext,
): Promise<GeneratedOutput> {
  if (format !== "terraform") {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `the storage plugin generates terraform only, not ${format}`,
      {
        hint: "Use --format terraform",
      },
    );
  }
  const settings = readSettings(context.options);
  if (context.mode === "template" && settings.includeBlobs) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      "--include-blobs does not go with --mode template: template mode generates the structure (containers, shares, directories) without content",
      { hint: "Leave out --include-blobs, or generate with --mode replication" },
    );
  }
  const azurerm = new VersionFloor(...AZURERM.storageAccountId);
  const ids = new IdentifierAllocator();
  const warnings: string[] = [];
  const containersTf = new HclFile();
  const sharesTf = new HclFile();
  const blobsTf = new HclFile();
  const containerIds = new Map<string, string>();
  const shareIds = new Map<string, string>();
  const directoryIds = new Map<string, string>();
  const counts = { containers: 0, shares: 0, directories: 0, blobs: 0 };
  let account = "";
  let blobsSkipped = 0;

  const leftOutContainers = new Set<string>();
  const addContainer = (item: ContainerItem) => {
    const p = item.properties;
    if (!CONTAINER_NAME.test(p.container)) {
      leftOutContainers.add(p.container);
      containersTf.comment(
        `Container ${JSON.stringify(p.container)} is not generated: azurerm refuses the name${p.container.startsWith("$") ? " (a container the service manages)" : ""}.`,
      );
      warnings.push(`container ${p.container}: azurerm refuses the name; left out with its blobs`);
      return;
    }
    const id = ids.allocate(p.container, CONTAINER);
    containerIds.set(p.container, id);
    counts.containers++;
    containersTf.block("resource", [CONTAINER, id], (b) => {
      const metadata = metadataValue(b, p.metadata, `container ${p.container}`, warnings);
      b.attr("name", p.container);
      b.attr("storage_account_id", ref("var", VARIABLES.accountId.name));
      b.attr("container_access_type", p.publicAccess === "none" ? "private" : p.publicAccess);
      b.attr("metadata", metadata);
    });
    if (p.hasImmutabilityPolicy || p.hasLegalHold || p.immutableStorageWithVersioning) {
      warnings.push(
        `container ${p.container} has an immutability policy or legal hold: add azurerm_storage_container_immutability_policy yourself`,
      );
    }
  };

  const addShare = (item: ShareItem) => {
    const p = item.properties;
    const id = ids.allocate(p.share, SHARE);
    shareIds.set(p.share, id);
    counts.shares++;
    sharesTf.block("resource", [SHARE, id], (b) => {
      const metadata = metadataValue(b, p.metadata, `share ${p.share}`, warnings);
      b.attr("name", p.share);
      b.attr("storage_account_id", ref("var", VARIABLES.accountId.name));
      b.attr("quota", p.quota ?? 100);
      if (p.accessTier) b.attr("access_tier", p.accessTier);
      b.attr("enabled_protocol", p.protocol.toUpperCase() === "NFS" ? "NFS" : "SMB");
      b.attr("metadata", metadata);
    });
  };

  const addDirectory = (item: DirectoryItem) => {
    const p = item.properties;
    const shareId = shareIds.get(p.share);
    if (!shareId) {
      warnings.push(`directory ${p.share}/${p.path}: its share was not discovered; left out`);
      return;
    }
    const id = ids.allocate(`${p.share}/${p.path}`, DIRECTORY);
    directoryIds.set(`${p.share}/${p.path}`, id);
    counts.directories++;
    const parent = p.path.includes("/")
      ? directoryIds.get(`${p.share}/${p.path.slice(0, p.path.lastIndexOf("/"))}`)
      : undefined;
    azurerm.needs(...AZURERM.storageShareUrl);
    sharesTf.block("resource", [DIRECTORY, id], (b) => {
      const metadata = metadataValue(b, p.metadata, `directory ${p.share}/${p.path}`, warnings);
      b.attr("name", p.path);
      b.attr("storage_share_url", ref(SHARE, shareId, "url"));
      b.attr("metadata", metadata);
      if (parent) b.attr("depends_on", [ref(DIRECTORY, parent)]);
    });
  };

  const addBlob = (item: BlobItem) => {
    const p = item.properties;
    if (leftOutContainers.has(p.container)) return;
    if (p.accessTier === "Archive" || p.blobType === "AppendBlob") {
      blobsSkipped++;
      blobsTf.comment(
        `${p.container}/${p.name}: ${p.accessTier === "Archive" ? "archive tier (rehydrate it first)" : "append blobs cannot be created from a source_uri"} — copy it with dataplane replicate`,
      );
      return;
    }
    const id = ids.allocate(`${p.container}/${p.name}`, BLOB);
    counts.blobs++;
    azurerm.needs(...AZURERM.storageContainerId);
    const containerId = containerIds.get(p.container);
    const tier =
      p.blobType === "BlockBlob" && p.accessTier && !p.accessTierInferred ? p.accessTier : undefined;
    blobsTf.block("resource", [BLOB, id], (b: HclBlock) => {
      if (tier && !BLOB_TIERS.has(tier)) {
        b.comment(
          `${tier} tier in the source: azurerm accepts only Archive, Cool and Hot, so access_tier is left out\n` +
            "and the blob starts in the account's default tier. Set it after apply (Terraform leaves it alone):\n" +
            `az storage blob set-tier --auth-mode login --account-name <account> --container-name ${p.container} --name <blob> --tier ${tier}`,
        );
        warnings.push(
          `blob ${p.container}/${p.name}: ${tier} tier is not accepted by azurerm; access_tier left out`,
        );
      }
      const metadata = metadataValue(b, p.metadata, `blob ${p.container}/${p.name}`, warnings);
      b.attr("name", p.name);
      b.attr(
        "storage_container_id",
        containerId
          ? ref(CONTAINER, containerId, "id")
          : expr(
              `"\${var.${VARIABLES.accountId.name}}/blobServices/default/containers/${encodeURIComponent(p.container)}"`,
            ),
      );
      b.attr("type", p.blobType === "PageBlob" ? "Page" : "Block");
      if (p.blobType === "PageBlob") b.attr("size", p.size);
      // The SAS comes from a variable at apply time; only the blob's path is written here.
      const path = `${encodeURIComponent(p.container)}/${encodePath(p.name)}`;
      b.attr("source_uri", expr(`"\${local.source_blob_base}/${path}?\${local.source_blob_sas}"`));
      if (tier && BLOB_TIERS.has(tier)) b.attr("access_tier", tier);
      if (p.contentType) b.attr("content_type", p.contentType);
      if (p.cacheControl) b.attr("cache_control", p.cacheControl);
      b.attr("metadata", metadata);
    });
  };

  for await (const item of items) {
    if (!isStorageItem(item)) continue;
    if (!account) account = parseResourceId(item.sourceResourceId).name ?? "";
    switch (item.kind) {
      case "container":
        addContainer(item);
        break;
      case "share":
        addShare(item);
        break;
      case "directory":
        addDirectory(item);
        break;
      case "blob":
        if (settings.includeBlobs) addBlob(item);
        break;
      case "file":
        break;
    }
  }
  if (blobsSkipped > 0)
    warnings.push(`${blobsSkipped} blobs were left out of blobs.tf (see the comments there)`);

  const variables: Variable[] = [VARIABLES.subscriptionId, VARIABLES.accountId];
  const withBlobs = settings.includeBlobs && counts.blobs > 0;
  if (withBlobs) variables.push(VARIABLES.sourceSasUrl);

  const versions = new HclFile();
  versions.comment(
    `azurerm ${azurerm.constraint}: the lowest version with everything used here (${azurerm.why}).`,
  );
  versions.block("terraform", [], (t) => {
    t.attr("required_version", ">= 1.5");
    t.block("required_providers", [], (r) =>
      r.attr("azurerm", { source: "hashicorp/azurerm", version: azurerm.constraint }),
    );
  });
  versions.block("provider", ["azurerm"], (p) => {
    p.attr("subscription_id", ref("var", VARIABLES.subscriptionId.name));
    p.comment("Data-plane calls (containers, shares, blobs) with Entra ID instead of account keys.");
    p.attr("storage_use_azuread", true);
    p.block("features", []);
  });

  const variablesTf = new HclFile();
  for (const v of variables) variableBlock(variablesTf, v, v === VARIABLES.subscriptionId);
  if (withBlobs) {
    variablesTf.block("locals", [], (l) => {
      l.comment("The SAS URL is split once: each blob's path goes between the endpoint and the token.");
      l.attr("source_blob_base", expr(`trimsuffix(split("?", var.${VARIABLES.sourceSasUrl.name})[0], "/")`));
      l.attr("source_blob_sas", expr(`try(split("?", var.${VARIABLES.sourceSasUrl.name})[1], "")`));
    });
  }

  const files: Record<string, string> = {
    "versions.tf": versions.toString(),
    "variables.tf": variablesTf.toString(),
    "terraform.tfvars.example": tfvarsExample(
      variables.map((v) => ({
        name: v.name,
        description: v.description,
        sensitive: v.sensitive,
        ...(v === VARIABLES.subscriptionId ? { defaultValue: null } : {}),
        ...(v.example ? { example: v.example } : {}),
      })),
      "Copy to terraform.tfvars and fill in. Sensitive values are better set in the environment\n" +
        "(TF_VAR_<name>) than written to a file; never commit them.",
    ),
    "README.md": readme(account || "(unknown)", counts, withBlobs, azurerm.constraint),
  };
  if (!containersTf.isEmpty) files["containers.tf"] = containersTf.toString();
  if (!sharesTf.isEmpty) files["shares.tf"] = sharesTf.toString();
  if (settings.includeBlobs && !blobsTf.isEmpty) files["blobs.tf"] = blobsTf.toString();
  return {
    files,
    variables: variables.map(({ example: _example, ...v }) => v),
    warnings,
  };
}
