// The in-memory model: accounts → shares → a tree of directories and files, each directory's
// children kept in a map plus a lazily sorted key list so listing is O(page · log n).
import type { SparseContent } from "./content.js";
import { foldName } from "./names.js";
import { DEFAULT_DIRECTORY_ATTRIBUTES, formatSmbTime, PermissionStore } from "./smb.js";

export interface SmbProperties {
  attributes: readonly string[];
  creationTime: string;
  lastWriteTime: string;
  changeTime: string;
  lastAccessTime: string;
  permissionKey: string;
}

export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  cacheControl?: string;
  contentDisposition?: string;
  /** The whole-file MD5 property, base64 (set by the client; never computed by the service). */
  contentMD5?: string;
}

export interface CopyState {
  id: string;
  source: string;
  status: "pending" | "success" | "aborted" | "failed";
  progress: string;
  completionTime?: Date;
  statusDescription?: string;
}

interface NodeBase {
  name: string;
  fileId: string;
  parent: DirectoryNode | undefined;
  metadata: Record<string, string>;
  smb: SmbProperties;
  etag: string;
  lastModified: Date;
}

export interface DirectoryNode extends NodeBase {
  kind: "directory";
  children: Map<string, Node>;
  /** Fold keys of `children`, sorted; `undefined` when a change made it stale. */
  sortedKeys: string[] | undefined;
}

export interface FileNode extends NodeBase {
  kind: "file";
  size: number;
  content: SparseContent;
  headers: ContentHeaders;
  copy?: CopyState;
}

export type Node = DirectoryNode | FileNode;

export interface Share {
  name: string;
  metadata: Record<string, string>;
  quota: number;
  accessTier: string;
  accessTierChangeTime: Date;
  enabledProtocols: string;
  rootSquash?: string;
  etag: string;
  lastModified: Date;
  root: DirectoryNode;
  permissions: PermissionStore;
  /** Access policies set with Set Share ACL, by identifier. */
  accessPolicies: SignedIdentifier[];
}

export interface SignedIdentifier {
  id: string;
  start?: string;
  expiry?: string;
  permission?: string;
}

export interface Account {
  name: string;
  key: Buffer;
  shares: Map<string, Share>;
  sortedShareNames: string[] | undefined;
  serviceProperties?: string;
}

let etagCounter = 0n;
const FILETIME_EPOCH_OFFSET = 116444736000000000n;

/** `"0x8DE…"`: a Windows FILETIME in hex, made unique per change like the service's. */
export function newEtag(now: Date = new Date()): string {
  etagCounter += 1n;
  const filetime = BigInt(now.getTime()) * 10000n + FILETIME_EPOCH_OFFSET + (etagCounter % 10000n);
  return `"0x${filetime.toString(16).toUpperCase()}"`;
}

let fileIdCounter = 13835058055282163712n;
export function newFileId(): string {
  fileIdCounter += 1n;
  return fileIdCounter.toString();
}

export function touch(node: { etag: string; lastModified: Date }, now: Date = new Date()): void {
  node.etag = newEtag(now);
  node.lastModified = now;
}

export function newDirectory(
  name: string,
  parent: DirectoryNode | undefined,
  smb: SmbProperties,
  metadata: Record<string, string> = {},
  now: Date = new Date(),
): DirectoryNode {
  return {
    kind: "directory",
    name,
    fileId: parent ? newFileId() : "0",
    parent,
    metadata,
    smb,
    etag: newEtag(now),
    lastModified: now,
    children: new Map(),
    sortedKeys: [],
  };
}

export function newShare(name: string, now: Date = new Date()): Share {
  const permissions = new PermissionStore();
  const time = formatSmbTime(now);
  const root = newDirectory(
    "",
    undefined,
    {
      attributes: DEFAULT_DIRECTORY_ATTRIBUTES,
      creationTime: time,
      lastWriteTime: time,
      changeTime: time,
      lastAccessTime: time,
      permissionKey: permissions.defaultKey,
    },
    {},
    now,
  );
  return {
    name,
    metadata: {},
    quota: 102400,
    accessTier: "TransactionOptimized",
    accessTierChangeTime: now,
    enabledProtocols: "SMB",
    etag: newEtag(now),
    lastModified: now,
    root,
    permissions,
    accessPolicies: [],
  };
}

export function addChild(parent: DirectoryNode, child: Node): void {
  const key = foldName(child.name);
  const existed = parent.children.has(key);
  parent.children.set(key, child);
  child.parent = parent;
  if (!existed) parent.sortedKeys = undefined;
}

export function removeChild(parent: DirectoryNode, name: string): void {
  if (parent.children.delete(foldName(name))) parent.sortedKeys = undefined;
}

export function sortedChildKeys(directory: DirectoryNode): string[] {
  if (!directory.sortedKeys) directory.sortedKeys = [...directory.children.keys()].sort(compareOrdinal);
  return directory.sortedKeys;
}

export function sortedShareNames(account: Account): string[] {
  if (!account.sortedShareNames) account.sortedShareNames = [...account.shares.keys()].sort(compareOrdinal);
  return account.sortedShareNames;
}

export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index in `sorted` whose value is ≥ `key`. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The path of a node relative to the share root, `/`-separated, as the service names it. */
export function nodePath(node: Node): string {
  const parts: string[] = [];
  for (let n: Node | undefined = node; n?.parent; n = n.parent) parts.push(n.name);
  return parts.reverse().join("/");
}

export function shareUsageBytes(share: Share): number {
  let total = 0;
  const stack: DirectoryNode[] = [share.root];
  while (stack.length > 0) {
    const directory = stack.pop()!;
    for (const child of directory.children.values()) {
      if (child.kind === "file") total += child.size;
      else stack.push(child);
    }
  }
  return total;
}
