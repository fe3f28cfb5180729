import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type AzureResource, DataplaneError, ErrorCodes, parseResourceId } from "@dataplane/core";

const HINT = "Give an ARM resource document, such as the output of `az resource show --ids <resource id>`";

function toResource(value: unknown, where: string): AzureResource {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataplaneError(ErrorCodes.InvalidResource, `${where} is not a JSON object`, { hint: HINT });
  }
  const doc = value as Record<string, unknown>;
  if (typeof doc.id !== "string" || doc.id.trim() === "") {
    throw new DataplaneError(ErrorCodes.InvalidResource, `${where} has no "id"`, { hint: HINT });
  }
  if (typeof doc.type !== "string" || !/^[^/\s]+\/[^\s]+$/.test(doc.type)) {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `${where} has no valid "type" (expected e.g. "Microsoft.KeyVault/vaults")`,
      { hint: HINT },
    );
  }
  let name: string | undefined = typeof doc.name === "string" && doc.name !== "" ? doc.name : undefined;
  if (!name) {
    // without a name, the id must be an ARM id whose last segment names the resource
    const parts = parseResourceId(doc.id);
    if (!parts.subscriptionId || !parts.provider || !/^\/subscriptions\//i.test(doc.id.trim())) {
      throw new DataplaneError(
        ErrorCodes.InvalidResource,
        `${where} has no "name", and its "id" ${JSON.stringify(doc.id)} is not an ARM resource id`,
        {
          hint: `${HINT}; its id looks like /subscriptions/<id>/resourceGroups/<group>/providers/<type>/<name>`,
        },
      );
    }
    name = parts.name;
  }
  if (!name) throw new DataplaneError(ErrorCodes.InvalidResource, `${where} has no "name"`, { hint: HINT });
  if (doc.properties !== undefined && (typeof doc.properties !== "object" || doc.properties === null)) {
    throw new DataplaneError(ErrorCodes.InvalidResource, `${where} has "properties" that is not an object`, {
      hint: HINT,
    });
  }
  return { ...(doc as object), id: doc.id, type: doc.type, name } as AzureResource;
}

/** Reads one resource document, or an array of them (`az resource list` output). */
export function readResources(path: string, cwd: string): AzureResource[] {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (error) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `cannot read resource document ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        hint: "Check the path",
      },
    );
  }
  let json: unknown;
  try {
    // PowerShell's `>` writes a UTF-8 byte order mark: it is not part of the JSON
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new DataplaneError(
      ErrorCodes.InvalidResource,
      `resource document ${path} is not valid JSON: ${(error as Error).message}`,
      {
        hint: HINT,
      },
    );
  }
  if (Array.isArray(json)) return json.map((entry, i) => toResource(entry, `${path}[${i}]`));
  return [toResource(json, `resource document ${path}`)];
}

export function readOneResource(path: string, cwd: string, role: string): AzureResource {
  const list = readResources(path, cwd);
  if (list.length !== 1) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `${role} ${path} holds ${list.length} resources, expected one`,
      {
        hint: "Use --resources with --mapping for many resources",
      },
    );
  }
  return list[0]!;
}
