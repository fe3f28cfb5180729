import type { OptionValues, PluginOptionSpec } from "@dataplane/core";

/** The plugin's options, surfaced by the CLI as `--<name>` on the verbs listed. */
export const OPTION_SPECS: readonly PluginOptionSpec[] = [
  {
    name: "versions",
    description:
      "secret, key and certificate versions: the current one only, or every version (oldest first by creation time, the current one last)",
    type: "string",
    choices: ["latest", "all"],
    default: "latest",
    verbs: ["discover", "generate", "replicate"],
  },
  {
    name: "key-strategy",
    description:
      "keys: backup-restore (same key material; only within one subscription and geography, else re-created) or recreate (new key material, same parameters)",
    type: "string",
    choices: ["backup-restore", "recreate"],
    default: "backup-restore",
    verbs: ["replicate"],
  },
  {
    name: "pace",
    description:
      "adaptive: full speed until the vault answers 429, then under the service limits; limits: under the service limits from the first request (a vault shared with production traffic)",
    type: "string",
    choices: ["adaptive", "limits"],
    default: "adaptive",
    verbs: ["discover", "replicate"],
  },
  {
    name: "purge-deleted",
    description:
      "purge soft-deleted target items that block a name instead of recovering them (under purge protection they are recovered)",
    type: "boolean",
    default: false,
    verbs: ["replicate"],
  },
  {
    name: "certificate-import",
    description:
      "Terraform: import exportable certificates from variables (contents as base64 PFX or PEM text, password) instead of creating them from their policy; non-exportable ones are still created from their policy (new key)",
    type: "boolean",
    default: false,
    verbs: ["generate"],
  },
  {
    name: "azurerm-value",
    description:
      "Terraform: write secret values with `value` (kept in state) for azurerm < 4.23 / Terraform < 1.11, instead of write-only `value_wo`",
    type: "boolean",
    default: false,
    verbs: ["generate"],
  },
  {
    name: "import-blocks",
    description:
      "Terraform: add `import` blocks so existing items of the TARGET vault are adopted instead of created; needs --import-items (without it none are written, since an import id must name the target vault)",
    type: "boolean",
    default: false,
    verbs: ["generate"],
  },
  {
    name: "import-items",
    description:
      "Terraform: JSON lines of `dataplane discover <target> --versions all --out <file>`; import blocks (with the target's ids) for the items already present in that target; a discovery of the source is refused",
    type: "string",
    verbs: ["generate"],
  },
];

export type VersionsOption = "latest" | "all";
export type KeyStrategy = "backup-restore" | "recreate";
export type Pace = "adaptive" | "limits";

/** Typed view of the option values (defaults applied). */
export interface KeyVaultOptions {
  readonly versions: VersionsOption;
  readonly keyStrategy: KeyStrategy;
  readonly pace: Pace;
  readonly purgeDeleted: boolean;
  readonly certificateImport: boolean;
  readonly azurermValue: boolean;
  readonly importBlocks: boolean;
  readonly importItems?: string;
}

function flag(values: OptionValues, name: string): boolean {
  const v = values[name];
  return v === true || v === "true";
}

export function readOptions(values: OptionValues): KeyVaultOptions {
  const importItems = values["import-items"];
  return {
    versions: values.versions === "all" ? "all" : "latest",
    keyStrategy: values["key-strategy"] === "recreate" ? "recreate" : "backup-restore",
    pace: values.pace === "limits" ? "limits" : "adaptive",
    purgeDeleted: flag(values, "purge-deleted"),
    certificateImport: flag(values, "certificate-import"),
    azurermValue: flag(values, "azurerm-value"),
    importBlocks: flag(values, "import-blocks") || (typeof importItems === "string" && importItems !== ""),
    ...(typeof importItems === "string" && importItems !== "" ? { importItems } : {}),
  };
}
