// The HTTP front: parse, check version, find the operation, authenticate, run the handler,
// write the response or the service's XML error.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { hasSas, verifySas } from "./auth/sas.js";
import { verifySharedKey } from "./auth/sharedKey.js";
import { authenticationFailed, headerError, StorageError, storageError } from "./errors.js";
import { notImplemented } from "./handlers/common.js";
import type { Authentication, EmulatorServices, HeaderValue, Reply, StreamBody } from "./handlers/context.js";
import { handlers } from "./handlers/index.js";
import { type Operation, resolveOperation } from "./operations.js";
import { decodeSegments, type FileRequest, flattenHeaders, parseQuery, splitUrl } from "./request.js";
import { formatSmbTime } from "./smb.js";
import type { StatsRecorder } from "./stats.js";
import type { Account } from "./store.js";
import type { Throttle } from "./throttling.js";
import { checkVersion, LATEST_VERSION } from "./versions.js";
import { escapeXml, XML_DECLARATION } from "./xml.js";

/** A range write carries at most 4 MiB; other bodies (XML, JSON) are far smaller. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const SERVER_HEADER = "Windows-Azure-File/1.0 Microsoft-HTTPAPI/2.0";

export interface ServerState {
  services: EmulatorServices;
  stats: StatsRecorder;
  throttle: Throttle;
}

async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of message as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  if (tooLarge) throw storageError("RequestBodyTooLarge");
  return Buffer.concat(chunks);
}

function authenticate(request: FileRequest, account: Account, operation: Operation): Authentication {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    if (/^Bearer /i.test(authorization)) {
      throw authenticationFailed(
        "Bearer tokens are not supported by the dataplane Azure Files emulator; use Shared Key or a SAS.",
      );
    }
    verifySharedKey(request, authorization, account.name, account.key);
    return { kind: "sharedKey" };
  }
  if (hasSas(request)) {
    const shareName = request.segments[0];
    const grant = verifySas(request, account.name, account.key, operation, {
      share: shareName,
      path: request.segments.slice(1).join("/"),
      accessPolicies: shareName === undefined ? undefined : account.shares.get(shareName)?.accessPolicies,
    });
    return { kind: "sas", grant };
  }
  throw new StorageError("NoAuthenticationInformation", {
    headers: {
      "WWW-Authenticate":
        "Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize resource_id=https://storage.azure.com",
    },
  });
}

function commonHeaders(
  requestId: string,
  version: string | undefined,
  request: IncomingMessage,
): Record<string, string> {
  const headers: Record<string, string> = {
    "x-ms-request-id": requestId,
    Date: new Date().toUTCString(),
    Server: SERVER_HEADER,
  };
  if (version !== undefined) headers["x-ms-version"] = version;
  const clientRequestId = request.headers["x-ms-client-request-id"];
  if (typeof clientRequestId === "string") headers["x-ms-client-request-id"] = clientRequestId;
  return headers;
}

function isStreamBody(body: Reply["body"]): body is StreamBody {
  return typeof body === "object" && !Buffer.isBuffer(body);
}

async function writeReply(
  res: ServerResponse,
  method: string,
  base: Record<string, string>,
  reply: Reply,
): Promise<number> {
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(base)) res.setHeader(name, value);
  for (const [name, value] of Object.entries(reply.headers ?? {}) as Array<[string, HeaderValue]>) {
    if (value !== undefined) res.setHeader(name, String(value));
  }
  const body = reply.body;
  if (body === undefined) {
    if (!res.hasHeader("Content-Length")) res.setHeader("Content-Length", 0);
    res.end();
    return 0;
  }
  if (reply.contentType) res.setHeader("Content-Type", reply.contentType);
  if (isStreamBody(body)) {
    res.setHeader("Content-Length", body.length);
    if (method === "HEAD") {
      res.end();
      return 0;
    }
    for (const chunk of body.chunks) {
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once("drain", () => resolve()));
      if (res.destroyed) return 0;
    }
    res.end();
    return body.length;
  }
  const buffer = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.setHeader("Content-Length", buffer.length);
  res.end(method === "HEAD" ? undefined : buffer);
  return method === "HEAD" ? 0 : buffer.length;
}

function errorReply(error: StorageError, requestId: string): Reply {
  const time = formatSmbTime(new Date());
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join("");
  const body =
    `${XML_DECLARATION}<Error><Code>${error.code}</Code>` +
    `<Message>${escapeXml(`${error.message}\nRequestId:${requestId}\nTime:${time}`)}</Message>${details}</Error>`;
  return {
    status: error.status,
    headers: { ...error.headers, "x-ms-error-code": error.code },
    body,
    contentType: "application/xml",
  };
}

export function createRequestListener(
  state: ServerState,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handleRequest(state, req, res).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
  };
}

async function handleRequest(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const method = (req.method ?? "GET").toUpperCase();
  let version: string | undefined;
  let accountName: string | undefined;
  let operation: Operation | undefined;
  let reply: Reply;
  let bytesIn = 0;
  try {
    const { rawPath, rawQuery } = splitUrl(req.url ?? "/");
    const [account = "", ...segments] = decodeSegments(rawPath);
    const body = await readBody(req);
    bytesIn = body.length;
    const queryPairs = parseQuery(rawQuery);
    const query = new Map<string, string>();
    for (const [name, value] of queryPairs) {
      const key = name.toLowerCase();
      if (!query.has(key)) query.set(key, value);
    }
    const headers = flattenHeaders(req);
    const requestedVersion = headers["x-ms-version"];
    if (requestedVersion !== undefined) {
      checkVersion(requestedVersion);
      version = requestedVersion;
    } else if (query.has("sig") && query.get("sv")) {
      version = query.get("sv");
    } else if (account !== "" && (headers.authorization !== undefined || query.has("sig"))) {
      throw headerError("MissingRequiredHeader", "x-ms-version");
    }
    const known = account === "" ? undefined : state.services.accounts.get(account);
    if (!known) {
      throw authenticationFailed(
        account === ""
          ? "The request URI names no storage account."
          : `The account '${account}' does not exist in this emulator.`,
      );
    }
    accountName = known.name;
    const request: FileRequest = {
      method,
      rawPath,
      rawQuery,
      queryPairs,
      query,
      headers,
      account: known.name,
      segments,
      requestId,
      clientAddress: req.socket.remoteAddress ?? "",
      version: version ?? LATEST_VERSION,
      body,
    };
    operation = resolveOperation(request);
    const auth = authenticate(request, known, operation);
    state.throttle.take(known.name);
    // No leases here: a file operation naming one fails as it would on a file without a lease.
    if (operation.level === "file" && request.headers["x-ms-lease-id"] !== undefined) {
      throw new StorageError("LeaseNotPresentWithFileOperation");
    }
    const handler = handlers[operation.name];
    if (!handler) throw notImplemented(operation.name);
    reply = await handler({
      request,
      account: known,
      operation,
      auth,
      services: state.services,
      now: new Date(),
    });
  } catch (error) {
    const storage =
      error instanceof StorageError
        ? error
        : new StorageError("InternalError", { details: { ExceptionMessage: String(error) } });
    reply = errorReply(storage, requestId);
  }
  const sent = await writeReply(res, method, commonHeaders(requestId, version, req), reply);
  if (accountName !== undefined && operation !== undefined) {
    const stats = state.stats.of(accountName);
    stats.requests += 1;
    stats.operations[operation.name] = (stats.operations[operation.name] ?? 0) + 1;
    if (reply.status >= 400) stats.errors += 1;
    if (reply.status === 503 || reply.headers?.["x-ms-error-code"] === "OperationTimedOut")
      stats.throttled += 1;
    else if (operation.write) stats.writes += 1;
    stats.bytesIn += bytesIn;
    stats.bytesOut += sent;
  }
}
