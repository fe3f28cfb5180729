/** Infrastructure-as-code formats a plugin may produce. Terraform first. */
export type IacFormat = "terraform" | "bicep";

/** A value the user must supply to apply the generated code (a secret value, a SAS URL…). */
export interface RequiredVariable {
  readonly name: string;
  readonly description: string;
  readonly sensitive: boolean;
  /** Terraform `ephemeral = true` (values that never reach state). */
  readonly ephemeral?: boolean;
  readonly type?: string;
}

/** The output of `generate`: files by relative path, and the variables they need. */
export interface GeneratedOutput {
  readonly files: Readonly<Record<string, string>>;
  readonly variables: readonly RequiredVariable[];
  readonly warnings?: readonly string[];
}
