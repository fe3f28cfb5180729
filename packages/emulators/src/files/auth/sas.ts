// Shared access signatures: account SAS and service SAS (share `sr=s`, file `sr=f`), signed
// with the account key; checked for signature, time window, protocol, IP, service, resource
// type and permission, with the service's error codes.
import { isIP } from "node:net";
import { authenticationFailed, StorageError } from "../errors.js";
import type { Operation } from "../operations.js";
import type { FileRequest } from "../request.js";
import type { SignedIdentifier } from "../store.js";
import { hmacBase64, signaturesMatch } from "./sharedKey.js";

/** Response header overrides a service SAS may carry (`rscc`, `rscd`, …). */
export interface SasResponseOverrides {
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentType?: string;
}

export interface SasGrant {
  kind: "account" | "service";
  overrides: SasResponseOverrides;
}

export interface SasTarget {
  share?: string;
  /** The directory/file path inside the share, `/`-separated, decoded. */
  path?: string;
  /** The share's stored access policies, for `si`. */
  accessPolicies?: readonly SignedIdentifier[];
}

export function hasSas(request: FileRequest): boolean {
  return request.query.has("sig");
}

function rfc1123(iso: string | undefined): string {
  if (iso === undefined) return "";
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toUTCString();
}

function parseSasTime(value: string, field: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw authenticationFailed(`${field} is invalid: ${value}`);
  }
  return time;
}

function ipToNumber(ip: string): number | undefined {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (isIP(v4) !== 4) return undefined;
  return v4.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function checkIpRange(range: string, clientAddress: string): void {
  const [from = "", to = from] = range.split("-");
  const client = ipToNumber(clientAddress);
  const low = ipToNumber(from);
  const high = ipToNumber(to);
  if (client === undefined || low === undefined || high === undefined || client < low || client > high) {
    const source = clientAddress.startsWith("::ffff:") ? clientAddress.slice(7) : clientAddress;
    throw new StorageError("AuthorizationSourceIPMismatch", {
      message: `This request is not authorized to perform this operation using this source IP ${source}.`,
    });
  }
}

const RESOURCE_TYPE_OF_LEVEL = { service: "s", share: "c", directory: "o", file: "o" } as const;

/** Verifies the SAS on `request` for `operation`; throws the service's 403s. */
export function verifySas(
  request: FileRequest,
  account: string,
  key: Buffer,
  operation: Operation,
  target: SasTarget,
): SasGrant {
  const q = (name: string) => request.query.get(name);
  const sig = (q("sig") ?? "").replace(/ /g, "+");
  const version = q("sv");
  if (!version) throw authenticationFailed("sv is mandatory. Cannot be empty");
  if (q("skoid") !== undefined) {
    throw authenticationFailed("User delegation SAS is not supported by the dataplane Azure Files emulator.");
  }
  const isAccountSas = q("ss") !== undefined || q("srt") !== undefined;

  let permissions = q("sp");
  let start = q("st");
  let expiry = q("se");
  const identifier = q("si");
  if (identifier !== undefined && !isAccountSas) {
    const policy = target.accessPolicies?.find((p) => p.id === identifier);
    if (!policy) throw authenticationFailed(`Signed identifier '${identifier}' is not found on the share.`);
    if ((permissions && policy.permission) || (start && policy.start) || (expiry && policy.expiry)) {
      throw authenticationFailed("A field is specified both in the SAS and in the stored access policy.");
    }
    permissions = permissions ?? policy.permission;
    start = start ?? policy.start;
    expiry = expiry ?? policy.expiry;
  }
  if (!permissions) throw authenticationFailed("sp is mandatory. Cannot be empty");
  if (!expiry) throw authenticationFailed("se is mandatory. Cannot be empty");

  let stringToSign: string;
  if (isAccountSas) {
    const services = q("ss") ?? "";
    const resourceTypes = q("srt") ?? "";
    const fields = [account, q("sp") ?? "", services, resourceTypes, q("st") ?? "", q("se") ?? ""];
    fields.push(q("sip") ?? "", q("spr") ?? "", version);
    if (version >= "2020-12-06") fields.push(q("ses") ?? "");
    stringToSign = `${fields.join("\n")}\n`;
  } else {
    const resource = q("sr");
    let canonical: string;
    if (resource === "s") canonical = `/file/${account}/${target.share ?? ""}`;
    else if (resource === "f") canonical = `/file/${account}/${target.share ?? ""}/${target.path ?? ""}`;
    else throw authenticationFailed(`Invalid signed resource: '${resource ?? ""}'.`);
    stringToSign = [
      q("sp") ?? "",
      q("st") ?? "",
      q("se") ?? "",
      canonical,
      identifier ?? "",
      q("sip") ?? "",
      q("spr") ?? "",
      version,
      q("rscc") ?? "",
      q("rscd") ?? "",
      q("rsce") ?? "",
      q("rscl") ?? "",
      q("rsct") ?? "",
    ].join("\n");
  }
  if (!signaturesMatch(hmacBase64(key, stringToSign), sig)) {
    throw authenticationFailed(`Signature did not match. String to sign used was ${stringToSign}`);
  }

  const now = Date.now();
  const startTime = start ? parseSasTime(start, "st") : undefined;
  const expiryTime = parseSasTime(expiry, "se");
  if ((startTime !== undefined && now < startTime) || now > expiryTime) {
    throw authenticationFailed(
      `Signature not valid in the specified time frame: Start [${rfc1123(start)}] - Expiry [${rfc1123(expiry)}] - Current [${new Date(now).toUTCString()}]`,
    );
  }
  const protocol = q("spr");
  if (protocol !== undefined && !protocol.split(",").includes("http")) {
    throw new StorageError("AuthorizationProtocolMismatch");
  }
  const ipRange = q("sip");
  if (ipRange) checkIpRange(ipRange, request.clientAddress);

  if (isAccountSas) {
    if (!(q("ss") ?? "").includes("f")) throw new StorageError("AuthorizationServiceMismatch");
    if (!(q("srt") ?? "").includes(RESOURCE_TYPE_OF_LEVEL[operation.level])) {
      throw new StorageError("AuthorizationResourceTypeMismatch");
    }
  } else if (operation.level === "service") {
    throw new StorageError("AuthorizationResourceTypeMismatch");
  }
  if (![...operation.sasPermissions].some((p) => permissions.includes(p))) {
    throw new StorageError("AuthorizationPermissionMismatch");
  }
  return {
    kind: isAccountSas ? "account" : "service",
    overrides: isAccountSas
      ? {}
      : {
          cacheControl: q("rscc"),
          contentDisposition: q("rscd"),
          contentEncoding: q("rsce"),
          contentLanguage: q("rscl"),
          contentType: q("rsct"),
        },
  };
}
