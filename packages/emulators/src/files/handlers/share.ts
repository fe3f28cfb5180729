// Share operations: create, properties, metadata, delete, access policy, statistics, permissions.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { headerError, storageError } from "../errors.js";
import { validateShareName } from "../names.js";
import { integerHeader, requireHeader } from "../request.js";
import { isValidSddl } from "../smb.js";
import { newShare, type SignedIdentifier, shareUsageBytes, touch } from "../store.js";
import { element, XML_DECLARATION } from "../xml.js";
import { entityHeaders, findShare, metadataHeaders, metadataOf } from "./common.js";
import type { HandlerContext, Reply } from "./context.js";

const ACCESS_TIERS = ["TransactionOptimized", "Hot", "Cool", "Premium"];
const ROOT_SQUASH = ["NoRootSquash", "RootSquash", "AllSquash"];
const MAX_QUOTA_GIB = 102400;

function tierHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const tier = ACCESS_TIERS.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!tier) throw headerError("InvalidHeaderValue", "x-ms-access-tier", value);
  return tier;
}

function rootSquashHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const squash = ROOT_SQUASH.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!squash) throw headerError("InvalidHeaderValue", "x-ms-root-squash", value);
  return squash;
}

function quotaHeader(context: HandlerContext): number | undefined {
  const quota = integerHeader(context.request, "x-ms-share-quota");
  if (quota !== undefined && (quota < 1 || quota > MAX_QUOTA_GIB)) {
    throw headerError("InvalidHeaderValue", "x-ms-share-quota", String(quota));
  }
  return quota;
}

export function createShare(context: HandlerContext): Reply {
  const { request, account, now } = context;
  const name = request.segments[0] ?? "";
  validateShareName(name);
  const quota = quotaHeader(context);
  const tier = tierHeader(request.headers["x-ms-access-tier"]);
  const rootSquash = rootSquashHeader(request.headers["x-ms-root-squash"]);
  const protocolsHeader = request.headers["x-ms-enabled-protocols"];
  let protocols = "SMB";
  if (protocolsHeader !== undefined) {
    const upper = protocolsHeader.trim().toUpperCase();
    if (upper !== "SMB" && upper !== "NFS") {
      throw headerError("InvalidHeaderValue", "x-ms-enabled-protocols", protocolsHeader);
    }
    protocols = upper;
  }
  const metadata = metadataOf(request);
  if (account.shares.has(name)) throw storageError("ShareAlreadyExists");
  const share = newShare(name, now);
  share.metadata = metadata;
  if (quota !== undefined) share.quota = quota;
  if (tier !== undefined) share.accessTier = tier;
  share.enabledProtocols = protocols;
  if (protocols === "NFS") share.rootSquash = rootSquash ?? "NoRootSquash";
  account.shares.set(name, share);
  account.sortedShareNames = undefined;
  return { status: 201, headers: { ...entityHeaders(share), "x-ms-share-quota": share.quota } };
}

export function getShareProperties({ request, account }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  return {
    status: 200,
    headers: {
      ...metadataHeaders(share.metadata),
      ...entityHeaders(share),
      "x-ms-share-quota": share.quota,
      "x-ms-access-tier": share.accessTier,
      "x-ms-access-tier-change-time": share.accessTierChangeTime.toUTCString(),
      "x-ms-enabled-protocols": share.enabledProtocols,
      "x-ms-root-squash": share.rootSquash,
      "x-ms-lease-status": "unlocked",
      "x-ms-lease-state": "available",
    },
  };
}

export function setShareProperties(context: HandlerContext): Reply {
  const { request, account, now } = context;
  const share = findShare(account, request.segments[0]);
  const quota = quotaHeader(context);
  const tier = tierHeader(request.headers["x-ms-access-tier"]);
  const rootSquash = rootSquashHeader(request.headers["x-ms-root-squash"]);
  if (quota !== undefined) share.quota = quota;
  if (tier !== undefined && tier !== share.accessTier) {
    share.accessTier = tier;
    share.accessTierChangeTime = now;
  }
  if (rootSquash !== undefined) share.rootSquash = rootSquash;
  touch(share, now);
  return { status: 200, headers: { ...entityHeaders(share), "x-ms-share-quota": share.quota } };
}

export function setShareMetadata({ request, account, now }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  share.metadata = metadataOf(request);
  touch(share, now);
  return { status: 200, headers: entityHeaders(share) };
}

export function deleteShare({ request, account }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  const deleteSnapshots = request.headers["x-ms-delete-snapshots"];
  if (
    deleteSnapshots !== undefined &&
    !["include", "include-leased"].includes(deleteSnapshots.toLowerCase())
  ) {
    throw headerError("InvalidHeaderValue", "x-ms-delete-snapshots", deleteSnapshots);
  }
  if (request.query.get("sharesnapshot") !== undefined) throw storageError("ShareNotFound");
  account.shares.delete(share.name);
  account.sortedShareNames = undefined;
  return { status: 202 };
}

export function getShareStatistics({ request, account }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  const body = `${XML_DECLARATION}<ShareStats>${element("ShareUsageBytes", shareUsageBytes(share))}</ShareStats>`;
  return { status: 200, headers: entityHeaders(share), body, contentType: "application/xml" };
}

export function getShareAccessPolicy({ request, account }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  const identifiers = share.accessPolicies
    .map(
      (p) =>
        `<SignedIdentifier>${element("Id", p.id)}<AccessPolicy>` +
        (p.start ? element("Start", p.start) : "") +
        (p.expiry ? element("Expiry", p.expiry) : "") +
        (p.permission ? element("Permission", p.permission) : "") +
        "</AccessPolicy></SignedIdentifier>",
    )
    .join("");
  const body = `${XML_DECLARATION}<SignedIdentifiers>${identifiers}</SignedIdentifiers>`;
  return { status: 200, headers: entityHeaders(share), body, contentType: "application/xml" };
}

const aclParser = new XMLParser({ parseTagValue: false, isArray: (name) => name === "SignedIdentifier" });

export function setShareAccessPolicy({ request, account, now }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  const text = request.body.toString("utf8").trim();
  const policies: SignedIdentifier[] = [];
  if (text !== "") {
    if (XMLValidator.validate(text) !== true) throw storageError("InvalidXmlDocument");
    const parsed = aclParser.parse(text) as {
      SignedIdentifiers?: {
        SignedIdentifier?: Array<{
          Id?: string;
          AccessPolicy?: { Start?: string; Expiry?: string; Permission?: string };
        }>;
      };
    };
    for (const item of parsed.SignedIdentifiers?.SignedIdentifier ?? []) {
      if (!item.Id || item.Id.length > 64) throw storageError("InvalidXmlDocument");
      policies.push({
        id: item.Id,
        start: item.AccessPolicy?.Start || undefined,
        expiry: item.AccessPolicy?.Expiry || undefined,
        permission: item.AccessPolicy?.Permission || undefined,
      });
    }
    if (policies.length > 5) throw storageError("InvalidXmlDocument");
  }
  share.accessPolicies = policies;
  touch(share, now);
  return { status: 200, headers: entityHeaders(share) };
}

export function createSharePermission({ request, account }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString("utf8"));
  } catch {
    throw storageError("InvalidInput");
  }
  const permission = (parsed as { permission?: unknown }).permission;
  const format = String((parsed as { format?: unknown }).format ?? "sddl").toLowerCase();
  if (typeof permission !== "string" || permission === "") throw storageError("InvalidInput");
  if (format === "sddl" ? !isValidSddl(permission) : format !== "binary") throw storageError("InvalidInput");
  return { status: 201, headers: { "x-ms-file-permission-key": share.permissions.put(permission) } };
}

export function getSharePermission({ request, account }: HandlerContext): Reply {
  const share = findShare(account, request.segments[0]);
  const key = requireHeader(request, "x-ms-file-permission-key");
  if (!/^\d+\*\d+$/.test(key)) throw headerError("InvalidHeaderValue", "x-ms-file-permission-key", key);
  const permission = share.permissions.get(key);
  if (permission === undefined) throw storageError("ResourceNotFound");
  const format = request.headers["x-ms-file-permission-format"];
  const body = JSON.stringify(format === undefined ? { permission } : { permission, format });
  return { status: 200, body, contentType: "application/json; charset=utf-8" };
}
