import { createHash } from "node:crypto";
import type { PlanDecision } from "@dataplane/core";
import type { BlobItem, BlobProperties, ContainerItem } from "../items.js";
import { canonicalMetadata, sameMetadata } from "./provenance.js";
import type { BlobTarget, ContainerTarget } from "./targets.js";

interface HeaderFields {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  readonly contentDisposition?: string;
  readonly cacheControl?: string;
}

function canonicalTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}\u0000${v}`)
    .sort()
    .join("\u0001");
}

/** A digest of what a copy sets besides content: content headers, metadata (without provenance), tags. */
export function blobDigest(
  headers: HeaderFields,
  metadata: Record<string, string> | undefined,
  tags: Record<string, string> | undefined,
): string {
  const text = [
    headers.contentType ?? "",
    headers.contentEncoding ?? "",
    headers.contentLanguage ?? "",
    headers.contentDisposition ?? "",
    headers.cacheControl ?? "",
    canonicalMetadata(metadata),
    tags ? canonicalTags(tags) : "-",
  ].join("\u0002");
  return createHash("sha1").update(text).digest("base64");
}

/** The tier a copy sets: only one chosen explicitly on a source block blob (archive is never copied). */
export function explicitTier(p: BlobProperties): string | undefined {
  if (p.blobType !== "BlockBlob" || !p.accessTier || p.accessTierInferred || p.accessTier === "Archive")
    return undefined;
  return p.accessTier;
}

export function planBlob(source: BlobItem, target: BlobTarget | undefined, tags: boolean): PlanDecision {
  const p = source.properties;
  if (p.accessTier === "Archive") {
    return {
      action: "skip-unsupported",
      reason:
        "archive tier: the service cannot read it until it is rehydrated (set the tier to Hot or Cool, then run again)",
    };
  }
  if (p.archiveStatus) {
    return {
      action: "skip-unsupported",
      reason: `being rehydrated (${p.archiveStatus}): run again when it is done`,
    };
  }
  if (!target) return { action: "create" };

  const sameSize = target.size === p.size;
  const sameContent =
    sameSize &&
    (p.contentMD5 !== undefined && target.md5 !== undefined
      ? p.contentMD5 === target.md5
      : target.provenance === p.lastModified);
  const tier = explicitTier(p);
  const sameProperties =
    target.blobType === p.blobType &&
    target.digest === blobDigest(p, p.metadata, tags ? (p.tags ?? {}) : undefined) &&
    (tier === undefined || tier === target.tier);
  if (sameContent && sameProperties) return { action: "skip-unchanged" };

  const ours = target.provenance !== undefined;
  if (sameContent && target.blobType === p.blobType) {
    return ours
      ? { action: "update", reason: "properties changed in the source", details: { propertiesOnly: true } }
      : {
          action: "conflict",
          reason:
            "the target blob has the same content but other properties, and was not copied by dataplane",
        };
  }
  const what = !sameSize
    ? `size ${target.size} ≠ ${p.size}`
    : p.contentMD5 !== undefined && target.md5 !== undefined
      ? "Content-MD5 differs"
      : target.blobType !== p.blobType
        ? `type ${target.blobType} ≠ ${p.blobType}`
        : "source modified since the last copy";
  return ours
    ? { action: "update", reason: `source changed (${what})` }
    : { action: "conflict", reason: `the target blob differs (${what}) and was not copied by dataplane` };
}

export function planContainer(source: ContainerItem, target: ContainerTarget | undefined): PlanDecision {
  if (!target) return { action: "create" };
  const p = source.properties;
  const changes: string[] = [];
  if (!sameMetadata(p.metadata, target.metadata)) changes.push("metadata");
  if (p.publicAccess !== target.publicAccess)
    changes.push(`public access ${target.publicAccess} → ${p.publicAccess}`);
  return changes.length === 0
    ? { action: "skip-unchanged" }
    : { action: "update", reason: changes.join(", ") };
}
