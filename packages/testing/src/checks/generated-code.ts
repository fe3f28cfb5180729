import { isAbsolute, normalize } from "node:path";
import { parse } from "@cdktf/hcl2json";
import type { GeneratedOutput, RequiredVariable } from "@dataplane/core";
import { ConformanceFailure, listSome } from "../failure.js";
import { captureFor, discoverAll, generateFrom } from "../operations.js";
import type { ConformanceCheckName } from "../options.js";
import type { ConformanceRun } from "../run.js";

interface VariableBlock {
  readonly sensitive?: unknown;
  readonly default?: unknown;
}

/** Every string in a parsed HCL document. */
function* strings(value: unknown): Iterable<string> {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === "object") for (const v of Object.values(value)) yield* strings(v);
}

/** `var.<name>` inside `${…}` interpolations (hcl2json writes expressions that way); `$${` is a literal. */
function referencedVariables(parsed: unknown): Set<string> {
  const names = new Set<string>();
  for (const text of strings(parsed)) {
    const live = text.replaceAll("$${", "");
    if (!live.includes("${")) continue;
    for (const m of live.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g)) names.add(m[1]!);
  }
  return names;
}

function unsafePath(name: string): boolean {
  return name.length === 0 || isAbsolute(name) || normalize(name).split(/[\\/]/).includes("..");
}

/** `name = "value"` lines of a tfvars file, values unquoted. */
function tfvarsAssignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$/gm)) {
    out.set(m[1]!, m[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return out;
}

async function terraformProblems(output: GeneratedOutput): Promise<string[]> {
  const problems: string[] = [];
  const declared = new Map<string, VariableBlock[]>();
  const referenced = new Set<string>();
  for (const [name, content] of Object.entries(output.files)) {
    if (!name.endsWith(".tf")) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = (await parse(name, content)) as Record<string, unknown>;
    } catch (error) {
      problems.push(`${name} does not parse as HCL: ${(error as Error).message}`);
      continue;
    }
    for (const [variable, blocks] of Object.entries(
      (parsed.variable ?? {}) as Record<string, VariableBlock[]>,
    )) {
      declared.set(variable, [...(declared.get(variable) ?? []), ...blocks]);
    }
    for (const ref of referencedVariables(parsed)) referenced.add(ref);
  }
  const required = new Map<string, RequiredVariable>(output.variables.map((v) => [v.name, v]));
  for (const variable of output.variables) {
    const blocks = declared.get(variable.name);
    if (!blocks) {
      problems.push(`variable ${variable.name} is returned in "variables" but no .tf file declares it`);
      continue;
    }
    if (!variable.sensitive) continue;
    if (!blocks.some((b) => b.sensitive === true)) {
      problems.push(`variable ${variable.name} is sensitive but its declaration lacks \`sensitive = true\``);
    }
    if (blocks.some((b) => b.default !== undefined && b.default !== null)) {
      problems.push(
        `variable ${variable.name} is sensitive but has a default value: the value must come from the user`,
      );
    }
  }
  for (const ref of referenced) {
    if (!declared.has(ref)) problems.push(`var.${ref} is used but no .tf file declares variable ${ref}`);
  }
  for (const [name, content] of Object.entries(output.files)) {
    if (!/\.tfvars(\.json)?$/.test(name)) continue;
    for (const [variable, value] of tfvarsAssignments(content)) {
      if (required.get(variable)?.sensitive && value !== "" && value !== "null") {
        problems.push(`${name} assigns a value to the sensitive variable ${variable}`);
      }
    }
  }
  return problems;
}

/**
 * `generate` (fed the discovered items as a stream, as the CLI does) returns files with safe
 * relative names; every `.tf` file parses with HashiCorp's parser (@cdktf/hcl2json); every
 * variable it returns is declared, sensitive ones with `sensitive = true` and no default, and
 * no tfvars file fills one in; every `var.x` used is declared.
 */
export async function generatedCode(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const subject = await run.subject(check);
  const capture = captureFor(subject.env);
  const items = await discoverAll(subject, capture);
  const problems: string[] = [];
  for (const format of run.options.formats ?? ["terraform"]) {
    const output = await generateFrom(subject, capture, items, format);
    if (!output || typeof output.files !== "object" || !Array.isArray(output.variables)) {
      throw new ConformanceFailure(
        check,
        `generate(${format}) must return { files: { name: content }, variables: [] }`,
      );
    }
    const names = Object.keys(output.files);
    if (names.length === 0) problems.push(`generate(${format}) returned no files for ${items.length} items`);
    for (const name of names) {
      if (unsafePath(name))
        problems.push(`file name ${JSON.stringify(name)} is not a relative path inside the output folder`);
      if (typeof output.files[name] !== "string") problems.push(`file ${name} is not text`);
    }
    if (format === "terraform") problems.push(...(await terraformProblems(output)));
  }
  if (problems.length > 0) throw new ConformanceFailure(check, listSome(problems, 10));
}
