import {
  expr,
  type HclFile,
  IdentifierAllocator,
  type RequiredVariable,
  VersionFloor,
} from "@dataplane/core";
import type { KeyVaultOptions } from "../options.js";

/** A Terraform variable the generated code declares. */
export interface VariableSpec extends RequiredVariable {
  readonly type: string;
  /** Variables with a default are optional (not listed as required). */
  readonly defaultValue?: string | number | null;
  readonly required: boolean;
}

/** What every part of the Terraform generation shares. */
export class Generation {
  readonly ids = new IdentifierAllocator();
  readonly variables: VariableSpec[] = [];
  readonly warnings: string[] = [];
  readonly imports: { readonly to: readonly [string, string]; readonly id: string }[] = [];
  /** The lowest azurerm version with every argument and resource used. */
  readonly azurerm = new VersionFloor(AZURERM_FLOOR, "the Key Vault resources");
  /** Vault URLs the generated items come from (import ids must never name one of them). */
  readonly sourceVaults = new Set<string>();
  /** Certificates generated from their policy although `--certificate-import` asked to import them. */
  readonly notExportable: string[] = [];

  constructor(
    readonly options: KeyVaultOptions,
    readonly template: boolean,
  ) {}

  /** A unique resource label for a source name within one resource type. */
  resource(type: string, name: string): string {
    return this.ids.allocate(name, type);
  }

  /**
   * Declares a variable and returns its (unique) name: letters, digits and underscores only, so
   * that `TF_VAR_<name>` is a valid environment variable name in every shell.
   */
  variable(
    base: string,
    spec: Omit<VariableSpec, "name" | "required"> & { readonly required?: boolean },
  ): string {
    const name = this.ids.allocate(base.replace(/-/g, "_"), "variable").replace(/-/g, "_");
    this.variables.push({ ...spec, name, required: spec.required ?? spec.defaultValue === undefined });
    return name;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }
}

export const KEY_VAULT_ID_VARIABLE = "key_vault_id";
export const SUBSCRIPTION_ID_VARIABLE = "subscription_id";

/** The oldest azurerm line the generated code is written for (its resources all exist in 3.0). */
export const AZURERM_FLOOR = "3.0.0";

export function varRef(name: string) {
  return expr(`var.${name}`);
}

/** Terraform wants RFC 3339 without milliseconds. */
export function rfc3339(iso: string | undefined): string | undefined {
  return iso?.replace(/\.\d{3}Z$/, "Z");
}

export function nonEmptyTags(tags: Readonly<Record<string, string>> | undefined) {
  return tags && Object.keys(tags).length > 0 ? { ...tags } : undefined;
}

export type FileBuilder = (file: HclFile) => void;
