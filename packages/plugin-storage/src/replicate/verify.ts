import type { BlobServiceClient } from "@azure/storage-blob";
import type { ShareServiceClient } from "@azure/storage-file-share";
import type { ReplicationMode } from "@dataplane/core";
import { mapInOrder } from "@dataplane/core";
import { base64, listContainerEntries } from "../discover/blobs.js";
import { walkShare } from "../discover/files.js";
import type { FileItem } from "../items.js";
import { isNotFound } from "../util/errors.js";

/** Differences listed one by one in the result; the rest are counted. */
const LISTED = 20;
const MD5_READS_IN_FLIGHT = 16;

export interface VerifyScope {
  readonly mode: ReplicationMode;
  readonly prefix: string;
  readonly containers: readonly string[];
  readonly shares: readonly string[];
}

export interface VerifyReport {
  readonly containers: number;
  readonly blobs: number;
  readonly shares: number;
  readonly directories: number;
  readonly files: number;
  /** Items left out by design (archive tier). */
  readonly notCopied: number;
  readonly differences: readonly string[];
  readonly differenceCount: number;
}

class Tally {
  containers = 0;
  blobs = 0;
  shares = 0;
  directories = 0;
  files = 0;
  notCopied = 0;
  differenceCount = 0;
  readonly differences: string[] = [];

  differ(text: string): void {
    this.differenceCount++;
    if (this.differences.length < LISTED) this.differences.push(text);
  }
}

async function verifyContainer(
  source: BlobServiceClient,
  target: BlobServiceClient,
  container: string,
  scope: VerifyScope,
  tally: Tally,
): Promise<void> {
  if (!(await target.getContainerClient(container).exists())) {
    tally.differ(`container ${container} is missing in the target`);
    return;
  }
  tally.containers++;
  if (scope.mode === "template") return;
  const options = { prefix: scope.prefix, tags: false, metadata: false };
  const targets = new Map<string, { size: number; md5?: string }>();
  for await (const b of listContainerEntries(target, container, options)) {
    if (b.deleted) continue;
    const md5 = b.properties.contentMD5;
    targets.set(b.name, { size: b.properties.contentLength, ...(md5 ? { md5 } : {}) });
  }
  for await (const b of listContainerEntries(source, container, options)) {
    if (b.deleted) continue;
    if (b.properties.accessTier === "Archive" || b.properties.archiveStatus) {
      tally.notCopied++;
      targets.delete(b.name);
      continue;
    }
    const t = targets.get(b.name);
    targets.delete(b.name);
    const where = `blob ${container}/${b.name}`;
    const size = b.properties.contentLength;
    const md5 = b.properties.contentMD5;
    if (!t) tally.differ(`${where} is missing in the target`);
    else if (t.size !== size) tally.differ(`${where}: size ${t.size} in the target, ${size} in the source`);
    else if (md5 && t.md5 && md5 !== t.md5) tally.differ(`${where}: Content-MD5 differs`);
    else tally.blobs++;
  }
  for (const name of targets.keys()) tally.differ(`blob ${container}/${name} is in the target only`);
}

async function fileMd5(service: ShareServiceClient, item: FileItem): Promise<string | undefined> {
  try {
    const props = await service
      .getShareClient(item.properties.share)
      .rootDirectoryClient.getFileClient(item.properties.path)
      .getProperties();
    return base64(props.contentMD5);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function verifyShare(
  source: ShareServiceClient,
  target: ShareServiceClient,
  share: string,
  scope: VerifyScope,
  tally: Tally,
): Promise<void> {
  if (!(await target.getShareClient(share).exists())) {
    tally.differ(`share ${share} is missing in the target`);
    return;
  }
  tally.shares++;
  const walk = { prefix: scope.prefix, details: false, directoriesOnly: scope.mode === "template" };
  const targets = new Map<string, { kind: string; size: number }>();
  for await (const item of walkShare(target, share, walk, "")) {
    targets.set(`${item.kind}:${item.properties.path}`, {
      kind: item.kind,
      size: item.kind === "file" ? item.properties.size : 0,
    });
  }
  const compared = mapInOrder(walkShare(source, share, walk, ""), MD5_READS_IN_FLIGHT, async (item) => {
    const id = `${item.kind}:${item.properties.path}`;
    const t = targets.get(id);
    targets.delete(id);
    const where = `${item.kind} ${share}/${item.properties.path}`;
    if (!t) return `${where} is missing in the target`;
    if (item.kind === "directory") return "directory";
    if (t.size !== item.properties.size)
      return `${where}: size ${t.size} in the target, ${item.properties.size} in the source`;
    const [a, b] = await Promise.all([fileMd5(source, item), fileMd5(target, item)]);
    if (a && b && a !== b) return `${where}: Content-MD5 differs`;
    return "file";
  });
  for await (const outcome of compared) {
    if (outcome === "directory") tally.directories++;
    else if (outcome === "file") tally.files++;
    else tally.differ(outcome);
  }
  for (const id of targets.keys()) {
    const [kind, ...path] = id.split(":");
    tally.differ(`${kind} ${share}/${path.join(":")} is in the target only`);
  }
}

/**
 * Compares both sides after a run: every container and share in scope exists; every blob and
 * file has the same size and, where both sides have one, the same Content-MD5; nothing extra.
 */
export async function verifyAccounts(
  services: {
    readonly source: { readonly blob?: BlobServiceClient; readonly file?: ShareServiceClient };
    readonly target: { readonly blob?: BlobServiceClient; readonly file?: ShareServiceClient };
  },
  scope: VerifyScope,
): Promise<VerifyReport> {
  const tally = new Tally();
  const { source, target } = services;
  if (source.blob && target.blob) {
    for (const c of scope.containers) await verifyContainer(source.blob, target.blob, c, scope, tally);
  }
  if (source.file && target.file) {
    for (const s of scope.shares) await verifyShare(source.file, target.file, s, scope, tally);
  }
  return {
    containers: tally.containers,
    blobs: tally.blobs,
    shares: tally.shares,
    directories: tally.directories,
    files: tally.files,
    notCopied: tally.notCopied,
    differences: tally.differences,
    differenceCount: tally.differenceCount,
  };
}

/** "1 share", "2 shares". */
function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

export function describeVerify(report: VerifyReport): string {
  const parts = [
    countOf(report.containers, "container"),
    countOf(report.blobs, "blob"),
    countOf(report.shares, "share"),
    countOf(report.directories, "directory", "directories"),
    countOf(report.files, "file"),
  ];
  const skipped =
    report.notCopied > 0 ? `; ${countOf(report.notCopied, "archive-tier blob")} not copied by design` : "";
  return report.differenceCount === 0
    ? `verify: passed — ${parts.join(", ")} match (count, size, Content-MD5 where present)${skipped}`
    : `verify: FAILED — ${countOf(report.differenceCount, "difference")} (${parts.join(", ")} match${skipped})`;
}
