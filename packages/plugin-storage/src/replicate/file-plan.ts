import type { ShareServiceClient } from "@azure/storage-file-share";
import type { PlanDecision } from "@dataplane/core";
import type { DirectoryItem, FileItem, ShareItem } from "../items.js";
import { isNotFound } from "../util/errors.js";
import { provenanceOf, sameMetadata } from "./provenance.js";
import type { SmbPermissions } from "./smb-permissions.js";
import type { DirectoryTarget, FileTarget, ShareTarget } from "./targets.js";

/** NFS shares are not reachable through the REST API. */
export function isNfs(share: ShareItem): boolean {
  return share.properties.protocol.toUpperCase() === "NFS";
}

export function planShare(source: ShareItem, target: ShareTarget | undefined): PlanDecision {
  if (isNfs(source)) {
    return {
      action: "skip-unsupported",
      reason: "NFS share: its files are not reachable over REST (copy them with an NFS client)",
    };
  }
  if (!target) return { action: "create" };
  const p = source.properties;
  const changes: string[] = [];
  if (p.quota !== undefined && p.quota !== target.quota)
    changes.push(`quota ${target.quota ?? "?"} → ${p.quota}`);
  if (p.accessTier && p.accessTier !== target.accessTier)
    changes.push(`tier ${target.accessTier ?? "?"} → ${p.accessTier}`);
  if (!sameMetadata(p.metadata, target.metadata)) changes.push("metadata");
  return changes.length === 0
    ? { action: "skip-unchanged" }
    : { action: "update", reason: changes.join(", ") };
}

/** Source modified after the target was last written: the target is older than the source. */
function sourceNewer(source: string | undefined, target: string | undefined): boolean {
  return source !== undefined && target !== undefined && source > target;
}

export async function planDirectory(
  source: DirectoryItem,
  target: DirectoryTarget | undefined,
  permissions: SmbPermissions,
): Promise<PlanDecision> {
  if (!target) return { action: "create" };
  const p = source.properties;
  const changes: string[] = [];
  if (p.attributes && p.attributes !== target.attributes) changes.push("attributes");
  if (p.creationTime && p.creationTime !== target.creationTime) changes.push("creation time");
  if (sourceNewer(p.lastModified, target.lastModified)) changes.push("modified in the source");
  if (changes.length === 0 && !(await permissions.same(p.share, p.permissionKey, target.permissionKey))) {
    changes.push("permissions");
  }
  return changes.length === 0
    ? { action: "skip-unchanged" }
    : { action: "update", reason: changes.join(", ") };
}

/**
 * A file is unchanged when the target has the same size, SMB last-write time and attributes
 * (a copy preserves them) and was written after the source last changed. A file that differs
 * is ours to update when it carries our provenance metadata (one read, only for those files).
 */
export async function planFile(
  source: FileItem,
  target: FileTarget | undefined,
  targetService: ShareServiceClient,
): Promise<PlanDecision> {
  if (!target) return { action: "create" };
  const p = source.properties;
  const changes: string[] = [];
  if (p.size !== target.size) changes.push(`size ${target.size} ≠ ${p.size}`);
  if (p.lastWriteTime && p.lastWriteTime !== target.lastWriteTime) changes.push("last-write time");
  if (p.attributes && p.attributes !== target.attributes) changes.push("attributes");
  if (sourceNewer(p.lastModified, target.lastModified)) changes.push("modified in the source");
  if (changes.length === 0) return { action: "skip-unchanged" };
  const what = changes.join(", ");
  let ours: boolean;
  try {
    const props = await targetService
      .getShareClient(p.share)
      .rootDirectoryClient.getFileClient(p.path)
      .getProperties();
    ours = provenanceOf(props.metadata) !== undefined;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return { action: "create" };
  }
  return ours
    ? { action: "update", reason: `source changed (${what})` }
    : { action: "conflict", reason: `the target file differs (${what}) and was not copied by dataplane` };
}
