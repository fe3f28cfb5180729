// Which REST operation a request is: decided from the method, the URL's depth and `restype`/`comp`,
// and (for two pairs of operations that share a URL) the presence of `x-ms-copy-source`.
import { queryError, type StorageError, storageError } from "./errors.js";
import type { FileRequest } from "./request.js";

export type ResourceLevel = "service" | "share" | "directory" | "file";

export interface Operation {
  name: string;
  level: ResourceLevel;
  /** SAS permissions of which at least one is needed (`r`, `w`, `d`, `l`, `c`). */
  sasPermissions: string;
  /** Counts as a write in the emulator's stats. */
  write: boolean;
}

function op(name: string, level: ResourceLevel, sasPermissions: string, write: boolean): Operation {
  return { name, level, sasPermissions, write };
}

const unsupported = (name: string, level: ResourceLevel): Operation => op(name, level, "rwdlc", false);

export function resolveOperation(request: FileRequest): Operation {
  const { method } = request;
  const restype = request.query.get("restype");
  const comp = request.query.get("comp");
  const depth = request.segments.length;
  const read = method === "GET" || method === "HEAD";

  if (depth === 0) {
    if (comp === "list" && read) return op("Service_ListSharesSegment", "service", "l", false);
    if (restype === "service" && comp === "properties") {
      if (read) return op("Service_GetProperties", "service", "r", false);
      if (method === "PUT") return op("Service_SetProperties", "service", "w", true);
    }
    if (restype === "service" && comp === "userdelegationkey") {
      return unsupported("Service_GetUserDelegationKey", "service");
    }
    throw verbOrQueryError(request, restype, comp);
  }

  if (restype === "share" && depth === 1) {
    switch (comp) {
      case undefined:
        if (method === "PUT") return op("Share_Create", "share", "cw", true);
        if (read) return op("Share_GetProperties", "share", "r", false);
        if (method === "DELETE") return op("Share_Delete", "share", "d", true);
        break;
      case "properties":
        if (method === "PUT") return op("Share_SetProperties", "share", "w", true);
        break;
      case "metadata":
        if (method === "PUT") return op("Share_SetMetadata", "share", "w", true);
        if (read) return op("Share_GetProperties", "share", "r", false);
        break;
      case "acl":
        if (read) return op("Share_GetAccessPolicy", "share", "r", false);
        if (method === "PUT") return op("Share_SetAccessPolicy", "share", "w", true);
        break;
      case "stats":
        if (read) return op("Share_GetStatistics", "share", "r", false);
        break;
      case "filepermission":
        if (method === "PUT") return op("Share_CreatePermission", "share", "cw", true);
        if (read) return op("Share_GetPermission", "share", "r", false);
        break;
      case "snapshot":
      case "lease":
      case "undelete":
        if (method === "PUT") return unsupported(`Share_${comp}`, "share");
        break;
    }
    throw verbOrQueryError(request, restype, comp);
  }

  if (restype === "directory") {
    switch (comp) {
      case undefined:
        if (method === "PUT") return op("Directory_Create", "directory", "cw", true);
        if (read) return op("Directory_GetProperties", "directory", "r", false);
        if (method === "DELETE") return op("Directory_Delete", "directory", "d", true);
        break;
      case "properties":
        if (method === "PUT") return op("Directory_SetProperties", "directory", "w", true);
        break;
      case "metadata":
        if (method === "PUT") return op("Directory_SetMetadata", "directory", "w", true);
        if (read) return op("Directory_GetProperties", "directory", "r", false);
        break;
      case "list":
        if (read) return op("Directory_ListFilesAndDirectoriesSegment", "directory", "l", false);
        break;
      case "rename":
        if (method === "PUT") return unsupported("Directory_Rename", "directory");
        break;
    }
    throw verbOrQueryError(request, restype, comp);
  }

  if (depth === 1) {
    if (restype === undefined) throw queryError("MissingRequiredQueryParameter", "restype");
    throw queryError("InvalidQueryParameterValue", "restype", restype);
  }

  if (comp === "listhandles" && read) return op("ListHandles", "file", "rl", false);
  if (comp === "forceclosehandles" && method === "PUT") return op("ForceCloseHandles", "file", "w", false);

  if (restype !== undefined) {
    if (restype === "symboliclink" || restype === "hardlink") return unsupported(`File_${restype}`, "file");
    throw queryError("InvalidQueryParameterValue", "restype", restype);
  }
  const copySource = request.headers["x-ms-copy-source"] !== undefined;
  switch (comp) {
    case undefined:
      if (method === "PUT") {
        return copySource ? op("File_StartCopy", "file", "cw", true) : op("File_Create", "file", "cw", true);
      }
      if (method === "GET") return op("File_Download", "file", "r", false);
      if (method === "HEAD") return op("File_GetProperties", "file", "r", false);
      if (method === "DELETE") return op("File_Delete", "file", "d", true);
      break;
    case "properties":
      if (method === "PUT") return op("File_SetHTTPHeaders", "file", "w", true);
      break;
    case "metadata":
      if (method === "PUT") return op("File_SetMetadata", "file", "w", true);
      if (read) return op("File_GetProperties", "file", "r", false);
      break;
    case "range":
      if (method === "PUT") {
        return copySource
          ? op("File_UploadRangeFromURL", "file", "w", true)
          : op("File_UploadRange", "file", "w", true);
      }
      break;
    case "rangelist":
      if (read) return op("File_GetRangeList", "file", "r", false);
      break;
    case "copy":
      if (method === "PUT") return op("File_AbortCopy", "file", "w", true);
      break;
    case "lease":
    case "rename":
      if (method === "PUT") return unsupported(`File_${comp}`, "file");
      break;
  }
  throw verbOrQueryError(request, restype, comp);
}

function verbOrQueryError(
  _request: FileRequest,
  restype: string | undefined,
  comp: string | undefined,
): StorageError {
  if (comp !== undefined && !KNOWN_COMPS.has(comp))
    return queryError("InvalidQueryParameterValue", "comp", comp);
  if (restype !== undefined && !KNOWN_RESTYPES.has(restype)) {
    return queryError("InvalidQueryParameterValue", "restype", restype);
  }
  return storageError("UnsupportedHttpVerb");
}

const KNOWN_COMPS = new Set([
  "list",
  "properties",
  "metadata",
  "acl",
  "stats",
  "filepermission",
  "snapshot",
  "lease",
  "undelete",
  "rename",
  "range",
  "rangelist",
  "copy",
  "listhandles",
  "forceclosehandles",
  "userdelegationkey",
]);
const KNOWN_RESTYPES = new Set(["service", "share", "directory", "symboliclink", "hardlink"]);
