// Lookups and header conventions shared by the share, directory and file handlers.
import { headerError, StorageError, storageError } from "../errors.js";
import { foldName, parseItemPath, validateMetadata } from "../names.js";
import { booleanHeader, type FileRequest, metadataFromHeaders } from "../request.js";
import {
  DEFAULT_DIRECTORY_ATTRIBUTES,
  DEFAULT_FILE_ATTRIBUTES,
  formatAttributes,
  formatSmbTime,
  isValidSddl,
  MAX_PERMISSION_HEADER_BYTES,
  parseAttributes,
  resolveSmbTime,
} from "../smb.js";
import type { Account, DirectoryNode, Node, Share, SmbProperties } from "../store.js";
import type { HeaderValue } from "./context.js";

export function findShare(account: Account, name: string | undefined): Share {
  const share = name === undefined ? undefined : account.shares.get(name);
  if (!share) throw storageError("ShareNotFound");
  return share;
}

/** The decoded item path of a request: segments after the share, with the trailing-dot rule. */
export function itemComponents(request: FileRequest): string[] {
  const allowTrailingDot = booleanHeader(request, "x-ms-allow-trailing-dot") ?? false;
  return parseItemPath(request.segments.slice(1).join("/"), allowTrailingDot);
}

/** Walks to the directory holding `components`' last element; missing steps → ParentNotFound. */
export function findParent(share: Share, components: readonly string[]): DirectoryNode {
  let directory = share.root;
  for (const name of components.slice(0, -1)) {
    const next = directory.children.get(foldName(name));
    if (next?.kind !== "directory") throw storageError("ParentNotFound");
    directory = next;
  }
  return directory;
}

export function findNode(share: Share, components: readonly string[]): Node | undefined {
  if (components.length === 0) return share.root;
  const parent = findParent(share, components);
  return parent.children.get(foldName(components[components.length - 1]!));
}

export function findDirectory(share: Share, components: readonly string[]): DirectoryNode {
  const node = findNode(share, components);
  if (node?.kind !== "directory") throw storageError("ResourceNotFound");
  return node;
}

export function metadataOf(request: FileRequest): Record<string, string> {
  const metadata = metadataFromHeaders(request);
  validateMetadata(metadata);
  return metadata;
}

export function metadataHeaders(metadata: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) headers[`x-ms-meta-${name}`] = value;
  return headers;
}

/**
 * Permission of a create or set request: `x-ms-file-permission` (SDDL, or base64 with format
 * Binary, or `inherit`/`preserve`) or `x-ms-file-permission-key`, never both.
 */
function resolvePermissionKey(
  request: FileRequest,
  share: Share,
  options: { inherited: string; current?: string },
): string {
  const permission = request.headers["x-ms-file-permission"];
  const key = request.headers["x-ms-file-permission-key"];
  if (permission !== undefined && key !== undefined) {
    throw headerError("InvalidHeaderValue", "x-ms-file-permission-key", key);
  }
  if (key !== undefined) {
    if (!/^\d+\*\d+$/.test(key) || share.permissions.get(key) === undefined) {
      throw headerError("InvalidHeaderValue", "x-ms-file-permission-key", key);
    }
    return key;
  }
  if (permission === undefined) return options.current ?? options.inherited;
  const lower = permission.toLowerCase();
  if (lower === "inherit") return options.inherited;
  if (lower === "preserve") {
    if (options.current === undefined)
      throw headerError("InvalidHeaderValue", "x-ms-file-permission", permission);
    return options.current;
  }
  if (Buffer.byteLength(permission) > MAX_PERMISSION_HEADER_BYTES) {
    throw headerError("InvalidHeaderValue", "x-ms-file-permission", permission);
  }
  const format = (request.headers["x-ms-file-permission-format"] ?? "sddl").toLowerCase();
  if (format === "binary") {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(permission)) {
      throw headerError("InvalidHeaderValue", "x-ms-file-permission", permission);
    }
  } else if (format !== "sddl" || !isValidSddl(permission)) {
    throw headerError("InvalidHeaderValue", "x-ms-file-permission", permission);
  }
  return share.permissions.put(permission);
}

/** SMB properties of a new file or directory from the request headers (defaults: now, inherit). */
export function smbForCreate(
  request: FileRequest,
  share: Share,
  parent: DirectoryNode,
  kind: "file" | "directory",
  now: Date,
): SmbProperties {
  const time = formatSmbTime(now);
  const attributesHeader = request.headers["x-ms-file-attributes"];
  const attributes =
    attributesHeader === undefined
      ? kind === "file"
        ? DEFAULT_FILE_ATTRIBUTES
        : DEFAULT_DIRECTORY_ATTRIBUTES
      : parseAttributes(attributesHeader, kind);
  return {
    attributes,
    creationTime: resolveSmbTime(request.headers["x-ms-file-creation-time"], "x-ms-file-creation-time", {
      now: time,
      fallback: time,
    }),
    lastWriteTime: resolveSmbTime(request.headers["x-ms-file-last-write-time"], "x-ms-file-last-write-time", {
      now: time,
      fallback: time,
    }),
    changeTime: resolveSmbTime(request.headers["x-ms-file-change-time"], "x-ms-file-change-time", {
      now: time,
      fallback: time,
    }),
    lastAccessTime: time,
    permissionKey: resolvePermissionKey(request, share, { inherited: parent.smb.permissionKey }),
  };
}

/** SMB properties after a Set Properties request: absent or `preserve` keeps, change time defaults to now. */
export function smbForSet(request: FileRequest, share: Share, node: Node, now: Date): SmbProperties {
  const time = formatSmbTime(now);
  const current = node.smb;
  const attributesHeader = request.headers["x-ms-file-attributes"];
  const attributes =
    attributesHeader === undefined || attributesHeader.toLowerCase() === "preserve"
      ? current.attributes
      : parseAttributes(attributesHeader, node.kind);
  const inherited = node.parent?.smb.permissionKey ?? share.permissions.defaultKey;
  return {
    attributes,
    creationTime: resolveSmbTime(request.headers["x-ms-file-creation-time"], "x-ms-file-creation-time", {
      now: time,
      fallback: current.creationTime,
      current: current.creationTime,
    }),
    lastWriteTime: resolveSmbTime(request.headers["x-ms-file-last-write-time"], "x-ms-file-last-write-time", {
      now: time,
      fallback: current.lastWriteTime,
      current: current.lastWriteTime,
    }),
    changeTime: resolveSmbTime(request.headers["x-ms-file-change-time"], "x-ms-file-change-time", {
      now: time,
      fallback: time,
      current: current.changeTime,
    }),
    lastAccessTime: current.lastAccessTime,
    permissionKey: resolvePermissionKey(request, share, { inherited, current: current.permissionKey }),
  };
}

export function smbHeaders(node: Node): Record<string, HeaderValue> {
  return {
    "x-ms-file-attributes": formatAttributes(node.smb.attributes),
    "x-ms-file-creation-time": node.smb.creationTime,
    "x-ms-file-last-write-time": node.smb.lastWriteTime,
    "x-ms-file-change-time": node.smb.changeTime,
    "x-ms-file-permission-key": node.smb.permissionKey,
    "x-ms-file-id": node.fileId,
    "x-ms-file-parent-id": node.parent?.fileId ?? "0",
  };
}

export function entityHeaders(node: { etag: string; lastModified: Date }): Record<string, HeaderValue> {
  return { ETag: node.etag, "Last-Modified": node.lastModified.toUTCString() };
}

/** A request naming a share that must exist, and the item path inside it. */
export function shareAndPath(account: Account, request: FileRequest): { share: Share; components: string[] } {
  const share = findShare(account, request.segments[0]);
  return { share, components: itemComponents(request) };
}

export function notImplemented(operation: string): StorageError {
  return new StorageError("NotImplemented", {
    message: `The dataplane Azure Files emulator does not implement ${operation}.`,
  });
}
