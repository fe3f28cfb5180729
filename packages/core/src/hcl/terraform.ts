import { HclFile, quote } from "./hcl.js";

/** Compares dotted numeric versions: `4.23.0` > `3.46.0` > `3.46`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The lowest version of a provider (or of Terraform) that has everything the generated code
 * uses: each use records the version it needs and why; the floor is the highest of them.
 */
export class VersionFloor {
  readonly #needs = new Map<string, string>();

  constructor(base: string, why: string) {
    this.#needs.set(base, why);
  }

  /** Records that the output uses `what`, which exists from `version` on. */
  needs(version: string, what: string): void {
    if (!this.#needs.has(version)) this.#needs.set(version, what);
  }

  get version(): string {
    return this.#highest()[0];
  }

  /** What sets the floor (the use that needs the highest version). */
  get why(): string {
    return this.#highest()[1];
  }

  /** The constraint to write: `>= <floor>`, no upper bound. */
  get constraint(): string {
    return `>= ${this.version}`;
  }

  #highest(): [string, string] {
    return [...this.#needs].sort(([a], [b]) => compareVersions(b, a))[0]!;
  }
}

/** A variable as `terraform.tfvars.example` lists it. */
export interface TfvarsEntry {
  readonly name: string;
  readonly description: string;
  readonly sensitive?: boolean;
  /** The variable has a default: the line is commented out and shows the default. */
  readonly defaultValue?: string | number | boolean | null;
  /** A value to show instead of `""` (a placeholder such as `/subscriptions/<id>/…`). */
  readonly example?: string;
}

function literal(value: string | number | boolean | null): string {
  return typeof value === "string" ? quote(value) : String(value);
}

/**
 * `terraform.tfvars.example`: every variable, each under its description. Variables with a
 * default are commented out with the default shown; sensitive ones are commented out too (a
 * value in terraform.tfvars would override `TF_VAR_<name>`, where they belong); the others
 * appear with a placeholder to replace.
 */
export function tfvarsExample(entries: readonly TfvarsEntry[], intro: string): string {
  const file = new HclFile();
  file.comment(intro);
  for (const v of entries) {
    file.blank();
    if (v.defaultValue !== undefined) {
      file.comment(`${v.description} (optional, default ${literal(v.defaultValue)})`);
      file.comment(`${v.name} = ${v.example !== undefined ? quote(v.example) : literal(v.defaultValue)}`);
    } else if (v.sensitive) {
      file.comment(`${v.description} (sensitive: set TF_VAR_${v.name} in the environment instead)`);
      file.comment(`${v.name} = ""`);
    } else {
      file.comment(v.description);
      file.attr(v.name, v.example ?? "");
    }
  }
  return file.toString();
}
