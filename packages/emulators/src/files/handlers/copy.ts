// Server-side copies into a file: Put Range From URL (synchronous) and Copy File (asynchronous,
// `pending` → `success`, abortable).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { headerError, queryError, StorageError, storageError } from "../errors.js";
import { parseRange } from "../ranges.js";
import { integerHeader, requireHeader } from "../request.js";
import { formatSmbTime, parseAttributes, parseSmbTime } from "../smb.js";
import { type FileNode, type Share, touch } from "../store.js";
import { entityHeaders, findParent, shareAndPath } from "./common.js";
import type { HandlerContext, Reply } from "./context.js";
import { type CopySource, parseCopySource, readCopySource } from "./copySource.js";
import { applyRangeWriteTime, createFileNode, findFile, MAX_RANGE_SIZE, writeRange } from "./file.js";

function sourceOptions(context: HandlerContext): {
  sharedKeyAccount?: string;
  sourceAllowTrailingDot: boolean;
} {
  return {
    ...(context.auth.kind === "sharedKey" ? { sharedKeyAccount: context.account.name } : {}),
    sourceAllowTrailingDot:
      (context.request.headers["x-ms-source-allow-trailing-dot"] ?? "").toLowerCase() === "true",
  };
}

export async function uploadRangeFromUrl(context: HandlerContext): Promise<Reply> {
  const { request, account, services } = context;
  const { share, components } = shareAndPath(account, request);
  const file = findFile(share, components);
  const write = requireHeader(request, "x-ms-write");
  if (write.toLowerCase() !== "update") throw headerError("InvalidHeaderValue", "x-ms-write", write);
  if ((integerHeader(request, "content-length") ?? 0) !== 0) {
    throw headerError("InvalidHeaderValue", "Content-Length", request.headers["content-length"]);
  }
  const source = parseCopySource(requireHeader(request, "x-ms-copy-source"));
  const sourceRange = parseRange(requireHeader(request, "x-ms-source-range"), "x-ms-source-range", {
    requireEnd: true,
  });
  const destination = writeRange(request, file);
  const length = destination.end - destination.start + 1;
  if (sourceRange.end! - sourceRange.start + 1 !== length) {
    throw headerError("InvalidHeaderValue", "x-ms-source-range", sourceRange.value);
  }
  if (length > MAX_RANGE_SIZE) throw storageError("OutOfRangeInput");
  const read = await readCopySource(services, source, {
    range: { start: sourceRange.start, end: sourceRange.end! },
    authorization: request.headers["x-ms-copy-source-authorization"],
    ...sourceOptions(context),
  });
  if (read.data.length !== length) throw storageError("InvalidRange");
  const now = new Date();
  file.content.write(destination.start, read.data);
  applyRangeWriteTime(request, file, now);
  touch(file, now);
  return {
    status: 201,
    headers: {
      ...entityHeaders(file),
      "x-ms-file-last-write-time": file.smb.lastWriteTime,
      "x-ms-request-server-encrypted": "true",
    },
  };
}

type SmbCopyValue = { mode: "source" } | { mode: "value"; value: string } | { mode: "default" };

/** `x-ms-file-*` of a copy: `source`, an explicit value, or (absent) the destination default. */
function smbCopyHeader(context: HandlerContext, name: string): SmbCopyValue {
  const value = context.request.headers[name];
  if (value === undefined) return { mode: "default" };
  if (value.toLowerCase() === "source") return { mode: "source" };
  return { mode: "value", value };
}

interface CopyPlan {
  attributes: SmbCopyValue;
  creationTime: SmbCopyValue;
  lastWriteTime: SmbCopyValue;
  changeTime: SmbCopyValue;
  permissionFromSource: boolean;
  setArchive: boolean;
  requestMetadata: Record<string, string> | undefined;
}

function validatePlan(context: HandlerContext): CopyPlan {
  const { request } = context;
  const plan: CopyPlan = {
    attributes: smbCopyHeader(context, "x-ms-file-attributes"),
    creationTime: smbCopyHeader(context, "x-ms-file-creation-time"),
    lastWriteTime: smbCopyHeader(context, "x-ms-file-last-write-time"),
    changeTime: smbCopyHeader(context, "x-ms-file-change-time"),
    permissionFromSource: false,
    setArchive: (request.headers["x-ms-file-copy-set-archive"] ?? "false").toLowerCase() === "true",
    requestMetadata: undefined,
  };
  if (plan.attributes.mode === "value" && plan.attributes.value.toLowerCase() !== "none") {
    parseAttributes(plan.attributes.value, "file");
  }
  for (const [header, value] of [
    ["x-ms-file-creation-time", plan.creationTime],
    ["x-ms-file-last-write-time", plan.lastWriteTime],
    ["x-ms-file-change-time", plan.changeTime],
  ] as const) {
    if (value.mode === "value" && value.value.toLowerCase() !== "now") parseSmbTime(value.value, header);
  }
  const copyMode = request.headers["x-ms-file-permission-copy-mode"];
  if (copyMode !== undefined) {
    const lower = copyMode.toLowerCase();
    if (lower === "source") plan.permissionFromSource = true;
    else if (lower === "override") {
      if (
        request.headers["x-ms-file-permission"] === undefined &&
        request.headers["x-ms-file-permission-key"] === undefined
      ) {
        throw headerError("MissingRequiredHeader", "x-ms-file-permission");
      }
    } else throw headerError("InvalidHeaderValue", "x-ms-file-permission-copy-mode", copyMode);
  }
  return plan;
}

function resolveTime(
  value: SmbCopyValue,
  fromSource: string | undefined,
  current: string,
  now: string,
): string {
  if (value.mode === "source") return fromSource ?? current;
  if (value.mode === "value")
    return value.value.toLowerCase() === "now" ? now : parseSmbTime(value.value, "x-ms-file-creation-time");
  return current;
}

function applyCopy(share: Share, file: FileNode, source: CopySource, plan: CopyPlan, now: Date): void {
  if (plan.permissionFromSource && source.smb?.permissionKey !== undefined && source.smb.sddl === undefined) {
    // A file of another Azure Files endpoint: its descriptor cannot be read from here. Failing
    // the copy is honest; giving the file the default permission would be a fake success.
    throw new StorageError("NotImplemented", {
      message: "x-ms-file-permission-copy-mode: source is emulated only for source files of this emulator.",
    });
  }
  file.content.truncate(0);
  file.content.write(0, source.data);
  file.size = source.data.length;
  file.headers = { ...source.headers };
  file.metadata = plan.requestMetadata ?? { ...source.metadata };
  const nowTime = formatSmbTime(now);
  let attributes = file.smb.attributes;
  if (plan.attributes.mode === "source" && source.smb?.attributes)
    attributes = parseAttributes(source.smb.attributes, "file");
  else if (plan.attributes.mode === "value") {
    attributes =
      plan.attributes.value.toLowerCase() === "none" ? [] : parseAttributes(plan.attributes.value, "file");
  }
  if (plan.setArchive && !attributes.includes("Archive"))
    attributes = parseAttributes([...attributes, "Archive"].join("|"), "file");
  file.smb = {
    ...file.smb,
    attributes,
    creationTime: resolveTime(plan.creationTime, source.smb?.creationTime, file.smb.creationTime, nowTime),
    lastWriteTime: resolveTime(
      plan.lastWriteTime,
      source.smb?.lastWriteTime,
      file.smb.lastWriteTime,
      nowTime,
    ),
    changeTime: resolveTime(plan.changeTime, source.smb?.changeTime, file.smb.changeTime, nowTime),
    permissionKey:
      plan.permissionFromSource && source.smb?.sddl
        ? share.permissions.put(source.smb.sddl)
        : file.smb.permissionKey,
  };
}

export function startCopy(context: HandlerContext): Reply {
  const { request, account, services } = context;
  const { share, components } = shareAndPath(account, request);
  if (components.length === 0) throw storageError("InvalidUri");
  const sourceUrl = parseCopySource(requireHeader(request, "x-ms-copy-source"));
  findParent(share, components);
  const plan = validatePlan(context);
  const hasRequestMetadata = Object.keys(request.headers).some((h) => h.startsWith("x-ms-meta-"));
  // The destination starts empty with default SMB properties; the copy fills it in.
  const file = createFileNode(
    { ...context, request: { ...request, headers: withoutCopySmbHeaders(request.headers) } },
    share,
    components,
    0,
  );
  if (hasRequestMetadata) plan.requestMetadata = { ...file.metadata };
  const copy = {
    id: randomUUID(),
    source: sourceUrl.toString(),
    status: "pending" as const,
    progress: "0/0",
  };
  file.copy = { ...copy };
  const task = (async () => {
    try {
      if (services.copyDelayMs > 0)
        await sleep(services.copyDelayMs, undefined, { signal: services.stopping });
      if (file.copy?.id !== copy.id || file.copy.status !== "pending") return;
      const source = await readCopySource(services, sourceUrl, sourceOptions(context));
      if (file.copy?.id !== copy.id || file.copy.status !== "pending") return;
      const done = new Date();
      applyCopy(share, file, source, plan, done);
      file.copy = { ...copy, status: "success", progress: `${file.size}/${file.size}`, completionTime: done };
      touch(file, done);
    } catch (error) {
      if (file.copy?.id !== copy.id || file.copy.status !== "pending") return;
      const status = error instanceof StorageError ? error.status : 500;
      const code =
        error instanceof StorageError ? (error.details.CopySourceErrorCode ?? error.code) : "InternalError";
      const what =
        error instanceof StorageError && error.code === "NotImplemented"
          ? error.message
          : "Copy failed when reading the source.";
      file.copy = {
        ...copy,
        status: "failed",
        completionTime: new Date(),
        statusDescription: `${status} ${code} "${what}"`,
      };
    }
  })();
  services.pendingCopies.add(task);
  void task.finally(() => services.pendingCopies.delete(task));
  return {
    status: 202,
    headers: { ...entityHeaders(file), "x-ms-copy-id": copy.id, "x-ms-copy-status": "pending" },
  };
}

/** SMB headers of a copy name copy modes (`source`), not values for the new empty file. */
function withoutCopySmbHeaders(headers: Record<string, string>): Record<string, string> {
  const copyModeHeaders = [
    "x-ms-file-attributes",
    "x-ms-file-creation-time",
    "x-ms-file-last-write-time",
    "x-ms-file-change-time",
  ];
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (copyModeHeaders.includes(name)) continue;
    if (
      (name === "x-ms-file-permission" || name === "x-ms-file-permission-key") &&
      (headers["x-ms-file-permission-copy-mode"] ?? "").toLowerCase() !== "override"
    )
      continue;
    result[name] = value;
  }
  return result;
}

export function abortCopy(context: HandlerContext): Reply {
  const { request, account } = context;
  const copyId = request.query.get("copyid");
  if (copyId === undefined) throw queryError("MissingRequiredQueryParameter", "copyid");
  const action = requireHeader(request, "x-ms-copy-action");
  if (action.toLowerCase() !== "abort") throw headerError("InvalidHeaderValue", "x-ms-copy-action", action);
  const { share, components } = shareAndPath(account, request);
  const file = findFile(share, components);
  if (file.copy?.status !== "pending") throw storageError("NoPendingCopyOperation");
  if (file.copy.id !== copyId) throw storageError("CopyIdMismatch");
  file.copy = {
    ...file.copy,
    status: "aborted",
    completionTime: new Date(),
    statusDescription: "Copy aborted.",
  };
  file.content.truncate(0);
  file.size = 0;
  return { status: 204 };
}
