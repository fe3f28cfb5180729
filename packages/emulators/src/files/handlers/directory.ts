// Directory operations: create, properties, metadata, delete, list files and directories.
import { queryError, StorageError, storageError } from "../errors.js";
import { foldName } from "../names.js";
import { queryInteger } from "../request.js";
import { formatAttributes } from "../smb.js";
import {
  addChild,
  type DirectoryNode,
  lowerBound,
  type Node,
  newDirectory,
  nodePath,
  removeChild,
  sortedChildKeys,
  touch,
} from "../store.js";
import { element, escapeAttribute, XML_DECLARATION } from "../xml.js";
import {
  entityHeaders,
  findDirectory,
  findNode,
  findParent,
  metadataHeaders,
  metadataOf,
  shareAndPath,
  smbForCreate,
  smbForSet,
  smbHeaders,
} from "./common.js";
import type { HandlerContext, Reply } from "./context.js";

export function createDirectory({ request, account, now }: HandlerContext): Reply {
  const { share, components } = shareAndPath(account, request);
  if (components.length === 0) throw storageError("ResourceAlreadyExists");
  const parent = findParent(share, components);
  const name = components[components.length - 1]!;
  if (parent.children.has(foldName(name))) throw storageError("ResourceAlreadyExists");
  const smb = smbForCreate(request, share, parent, "directory", now);
  const directory = newDirectory(name, parent, smb, metadataOf(request), now);
  addChild(parent, directory);
  return {
    status: 201,
    headers: {
      ...entityHeaders(directory),
      ...smbHeaders(directory),
      "x-ms-request-server-encrypted": "true",
    },
  };
}

export function getDirectoryProperties({ request, account }: HandlerContext): Reply {
  const { share, components } = shareAndPath(account, request);
  const directory = findDirectory(share, components);
  return {
    status: 200,
    headers: {
      ...metadataHeaders(directory.metadata),
      ...entityHeaders(directory),
      ...smbHeaders(directory),
      "x-ms-server-encrypted": "true",
    },
  };
}

export function setDirectoryProperties({ request, account, now }: HandlerContext): Reply {
  const { share, components } = shareAndPath(account, request);
  const directory = findDirectory(share, components);
  directory.smb = smbForSet(request, share, directory, now);
  touch(directory, now);
  return {
    status: 200,
    headers: {
      ...entityHeaders(directory),
      ...smbHeaders(directory),
      "x-ms-request-server-encrypted": "true",
    },
  };
}

export function setDirectoryMetadata({ request, account, now }: HandlerContext): Reply {
  const { share, components } = shareAndPath(account, request);
  const directory = findDirectory(share, components);
  directory.metadata = metadataOf(request);
  touch(directory, now);
  return { status: 200, headers: { ETag: directory.etag, "x-ms-request-server-encrypted": "true" } };
}

export function deleteDirectory({ request, account }: HandlerContext): Reply {
  const { share, components } = shareAndPath(account, request);
  if (components.length === 0) throw storageError("InvalidUri");
  const directory = findDirectory(share, components);
  if (directory.children.size > 0) throw storageError("DirectoryNotEmpty");
  removeChild(directory.parent!, directory.name);
  return { status: 202 };
}

const MAX_RESULTS = 5000;
const INCLUDE_VALUES = ["timestamps", "etag", "attributes", "permissionkey"] as const;
type Include = (typeof INCLUDE_VALUES)[number];

function encodeMarker(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeMarker(marker: string): string {
  const key = Buffer.from(marker, "base64url").toString("utf8");
  if (encodeMarker(key) !== marker) throw storageError("InvalidMarker");
  return key;
}

function entryXml(node: Node, include: ReadonlySet<Include>): string {
  const tag = node.kind === "file" ? "File" : "Directory";
  let properties = node.kind === "file" ? element("Content-Length", node.size) : "";
  if (include.has("timestamps")) {
    properties +=
      element("CreationTime", node.smb.creationTime) +
      element("LastAccessTime", node.smb.lastAccessTime) +
      element("LastWriteTime", node.smb.lastWriteTime) +
      element("ChangeTime", node.smb.changeTime) +
      element("Last-Modified", node.lastModified.toUTCString());
  }
  if (include.has("etag")) properties += element("Etag", node.etag);
  return (
    `<${tag}>` +
    // The spec's order (and the service's): Name, then FileId.
    element("Name", node.name) +
    element("FileId", node.fileId) +
    (properties === "" ? "<Properties />" : `<Properties>${properties}</Properties>`) +
    (include.has("attributes") ? element("Attributes", formatAttributes(node.smb.attributes)) : "") +
    (include.has("permissionkey") ? element("PermissionKey", node.smb.permissionKey) : "") +
    `</${tag}>`
  );
}

export function listFilesAndDirectories({ request, account, services }: HandlerContext): Reply {
  const { share, components } = shareAndPath(account, request);
  if (request.query.get("sharesnapshot") !== undefined) {
    throw new StorageError("NotImplemented", { message: "Share snapshots are not emulated." });
  }
  const directory: DirectoryNode = findDirectory(share, components);
  const prefix = request.query.get("prefix") ?? "";
  const marker = request.query.get("marker");
  const maxResults = Math.min(
    queryInteger(request, "maxresults", { min: 1, max: 2 ** 31 - 1 }) ?? MAX_RESULTS,
    MAX_RESULTS,
  );
  const include = new Set<Include>();
  for (const raw of (request.query.get("include") ?? "").split(",")) {
    const value = raw.trim().toLowerCase();
    if (value === "") continue;
    if (!(INCLUDE_VALUES as readonly string[]).includes(value)) {
      throw queryError("InvalidQueryParameterValue", "include", request.query.get("include"));
    }
    include.add(value as Include);
  }
  if (request.headers["x-ms-file-extended-info"]?.toLowerCase() === "true") include.add("timestamps");

  const keys = sortedChildKeys(directory);
  const foldedPrefix = foldName(prefix);
  let start = lowerBound(keys, foldedPrefix);
  if (marker !== undefined && marker !== "") start = Math.max(start, lowerBound(keys, decodeMarker(marker)));
  const entries: string[] = [];
  let nextMarker = "";
  for (let i = start; i < keys.length; i++) {
    const key = keys[i]!;
    if (!key.startsWith(foldedPrefix)) break;
    if (entries.length === maxResults) {
      nextMarker = encodeMarker(key);
      break;
    }
    const node = directory.children.get(key);
    if (node) entries.push(entryXml(node, include));
  }
  const path = nodePath(directory);
  const body =
    XML_DECLARATION +
    `<EnumerationResults ServiceEndpoint="${escapeAttribute(`${services.origin()}/${account.name}/`)}" ShareName="${escapeAttribute(share.name)}" DirectoryPath="${escapeAttribute(path)}">` +
    (request.query.has("prefix") ? element("Prefix", prefix) : "") +
    (marker !== undefined ? element("Marker", marker) : "") +
    (request.query.has("maxresults") ? element("MaxResults", maxResults) : "") +
    element("DirectoryId", directory.fileId) +
    (entries.length === 0 ? "<Entries />" : `<Entries>${entries.join("")}</Entries>`) +
    element("NextMarker", nextMarker) +
    "</EnumerationResults>";
  return { status: 200, body, contentType: "application/xml" };
}

function requireItem({ request, account }: HandlerContext): void {
  const { share, components } = shareAndPath(account, request);
  if (!findNode(share, components)) throw storageError("ResourceNotFound");
}

/** No SMB client ever holds a handle here: an empty list, and nothing to close. */
export function listHandles(context: HandlerContext): Reply {
  requireItem(context);
  const body = `${XML_DECLARATION}<EnumerationResults><HandleList /><NextMarker /></EnumerationResults>`;
  return { status: 200, body, contentType: "application/xml" };
}

export function forceCloseHandles(context: HandlerContext): Reply {
  requireItem(context);
  return { status: 200, headers: { "x-ms-number-of-handles-closed": 0, "x-ms-number-of-handles-failed": 0 } };
}
