import { z } from "zod";
import type { DataPlanePlugin } from "../contract/plugin.js";

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", {
  message: "must be a function",
});

const optionSpec = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, "must be kebab-case"),
  description: z.string().min(1),
  type: z.enum(["boolean", "string", "number"]),
  choices: z.array(z.string()).optional(),
  default: z.union([z.string(), z.boolean(), z.number()]).optional(),
  verbs: z.array(z.enum(["discover", "generate", "replicate"])).min(1),
});

const permission = z.object({
  side: z.enum(["source", "target"]),
  for: z.enum(["discover", "template", "replication"]),
  role: z.string().min(1),
  roleDefinitionId: z.string().optional(),
  reason: z.string(),
});

const pluginShape = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  resourceTypes: z.array(z.string().regex(/^[^/\s]+\/[^\s]+$/, "must look like Namespace/type")).min(1),
  itemKinds: z.array(z.string().min(1)).min(1),
  itemHolders: z.record(z.string(), z.array(z.string().min(1))).optional(),
  supports: fn.optional(),
  options: z.array(optionSpec).optional(),
  permissions: z.array(permission).optional(),
  formats: z.array(z.enum(["terraform", "bicep"])).optional(),
  explainAccessFailure: fn.optional(),
  discover: fn,
  generate: fn,
  replicate: fn,
});

/** Flattens validation issues to `path: message` lines. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** Checks that a value has the plugin shape; returns the reason when it has not. */
export function checkPluginShape(
  value: unknown,
): { ok: true; plugin: DataPlanePlugin } | { ok: false; reason: string } {
  const parsed = pluginShape.safeParse(value);
  if (parsed.success) return { ok: true, plugin: value as DataPlanePlugin };
  return { ok: false, reason: describeIssues(parsed.error) };
}

export { describeIssues };
