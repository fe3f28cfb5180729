// Account-level operations: List Shares, Get/Set File Service Properties.
import { XMLValidator } from "fast-xml-parser";
import { queryError, storageError } from "../errors.js";
import { queryInteger } from "../request.js";
import { type Account, lowerBound, type Share, sortedShareNames } from "../store.js";
import { element, escapeAttribute, escapeXml, XML_DECLARATION } from "../xml.js";
import type { HandlerContext, Reply } from "./context.js";

const MAX_RESULTS = 5000;

function shareXml(share: Share, includeMetadata: boolean): string {
  const properties =
    element("Last-Modified", share.lastModified.toUTCString()) +
    element("Etag", share.etag) +
    element("Quota", share.quota) +
    element("AccessTier", share.accessTier) +
    element("AccessTierChangeTime", share.accessTierChangeTime.toUTCString()) +
    element("LeaseStatus", "unlocked") +
    element("LeaseState", "available") +
    element("EnabledProtocols", share.enabledProtocols) +
    (share.rootSquash ? element("RootSquash", share.rootSquash) : "");
  const metadata = includeMetadata
    ? `<Metadata>${Object.entries(share.metadata)
        .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
        .join("")}</Metadata>`
    : "";
  return `<Share>${element("Name", share.name)}<Properties>${properties}</Properties>${metadata}</Share>`;
}

function shareMarker(account: Account, name: string): string {
  return `/${account.name}/${name}`;
}

export function listShares({ request, account, services }: HandlerContext): Reply {
  const prefix = request.query.get("prefix") ?? "";
  const marker = request.query.get("marker");
  const maxResults = Math.min(
    queryInteger(request, "maxresults", { min: 1, max: 2 ** 31 - 1 }) ?? MAX_RESULTS,
    MAX_RESULTS,
  );
  const include = (request.query.get("include") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  for (const value of include) {
    if (!["metadata", "snapshots", "deleted"].includes(value)) {
      throw queryError("InvalidQueryParameterValue", "include", request.query.get("include"));
    }
  }
  const names = sortedShareNames(account);
  let start = lowerBound(names, prefix);
  if (marker !== undefined && marker !== "") {
    const accountPrefix = `/${account.name}/`;
    if (!marker.startsWith(accountPrefix)) throw storageError("InvalidMarker");
    start = Math.max(start, lowerBound(names, marker.slice(accountPrefix.length)));
  }
  const page: Share[] = [];
  let nextMarker = "";
  for (let i = start; i < names.length; i++) {
    const name = names[i]!;
    if (!name.startsWith(prefix)) break;
    if (page.length === maxResults) {
      nextMarker = shareMarker(account, name);
      break;
    }
    const share = account.shares.get(name);
    if (share) page.push(share);
  }
  const includeMetadata = include.includes("metadata");
  const body =
    XML_DECLARATION +
    `<EnumerationResults ServiceEndpoint="${escapeAttribute(`${services.origin()}/${account.name}/`)}">` +
    (request.query.has("prefix") ? element("Prefix", prefix) : "") +
    (marker !== undefined ? element("Marker", marker) : "") +
    (request.query.has("maxresults") ? element("MaxResults", maxResults) : "") +
    (page.length === 0
      ? "<Shares />"
      : `<Shares>${page.map((s) => shareXml(s, includeMetadata)).join("")}</Shares>`) +
    element("NextMarker", nextMarker) +
    "</EnumerationResults>";
  return { status: 200, body, contentType: "application/xml" };
}

const DEFAULT_SERVICE_PROPERTIES =
  XML_DECLARATION +
  "<StorageServiceProperties>" +
  "<HourMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></HourMetrics>" +
  "<MinuteMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></MinuteMetrics>" +
  "<Cors />" +
  "<ProtocolSettings><SMB><Multichannel><Enabled>false</Enabled></Multichannel></SMB></ProtocolSettings>" +
  "</StorageServiceProperties>";

export function getServiceProperties({ account }: HandlerContext): Reply {
  return {
    status: 200,
    body: account.serviceProperties ?? DEFAULT_SERVICE_PROPERTIES,
    contentType: "application/xml",
  };
}

export function setServiceProperties({ request, account }: HandlerContext): Reply {
  const text = request.body.toString("utf8");
  if (XMLValidator.validate(text) !== true || !text.includes("<StorageServiceProperties")) {
    throw storageError("InvalidXmlDocument");
  }
  account.serviceProperties = text.startsWith("<?xml") ? text : XML_DECLARATION + text;
  return { status: 202 };
}
