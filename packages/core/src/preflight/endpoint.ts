import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { EndpointSpec } from "../contract/plugin.js";

/**
 * One look at a data-plane endpoint before a run writes anything: does something answer there,
 * over the right protocol, with a certificate we trust, and does it answer like an Azure
 * service? The request carries no credential and no body (an unauthenticated GET, which Azure
 * services answer with 401/403/400 and their `x-ms-*` headers).
 */

export type ProbeResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly cause: string; readonly fix: string };

export interface ProbeOptions {
  /** Extra PEM certificates to trust (the side's `caCertificates`). */
  readonly ca?: readonly string[];
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** The side, for the fix (`caFile` of which side). */
  readonly side?: string;
}

const TLS_TRUST = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/** A connection-level failure in words, with what to do about it. */
export function explainConnectionError(
  error: unknown,
  spec: EndpointSpec,
  options: ProbeOptions = {},
): { cause: string; fix: string } {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const scheme = new URL(spec.url).protocol;
  if (code === "ECONNREFUSED")
    return {
      cause: "nothing listens there (connection refused)",
      fix: "Start the service or emulator, or correct the host and port in the resource document",
    };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME")
    return {
      cause: "the host name does not resolve",
      fix: "Correct the host in the resource document, or check DNS (a private endpoint needs its private DNS zone)",
    };
  if (
    code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
    code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" ||
    /wrong version number|packet length too long|http request/i.test(message)
  )
    return {
      cause: "the server speaks plain HTTP, not HTTPS",
      fix: spec.httpsOnly
        ? "Point the resource document at the service's https:// endpoint (an emulator must be started with TLS)"
        : "Use http:// in the resource document, or start the server with TLS",
    };
  if (TLS_TRUST.has(code))
    return {
      cause: `its TLS certificate is not trusted (${code})`,
      fix: `Give the CA that signed it with caFile under sides.${options.side ?? "<side>"} in dataplane.config.json`,
    };
  if (code === "ECONNRESET" || /socket hang up/i.test(message))
    return {
      cause: `the connection was closed before any answer${scheme === "http:" ? " (an HTTPS server spoken to in plain HTTP?)" : ""}`,
      fix: "Check the scheme (https://) and port of the endpoint in the resource document",
    };
  if (code === "ETIMEDOUT" || code === "DP_PROBE_TIMEOUT")
    return {
      cause: "no answer in time",
      fix: "Check the URL, and that no firewall or proxy holds the connection",
    };
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return { cause: "the host cannot be reached (no route)", fix: "Check the network path to the endpoint" };
  return {
    cause: `the connection failed (${code || message})`,
    fix: "Check the endpoint URL in the resource document",
  };
}

function looksLikeAzure(status: number, headers: Record<string, string | string[] | undefined>): boolean {
  if (Object.keys(headers).some((h) => h.toLowerCase().startsWith("x-ms-"))) return true;
  const challenge = headers["www-authenticate"];
  const text = Array.isArray(challenge) ? challenge.join(" ") : (challenge ?? "");
  return status === 401 && /bearer|sharedkey/i.test(text);
}

/** Probes one endpoint once (see the module comment). */
export function probeEndpoint(spec: EndpointSpec, options: ProbeOptions = {}): Promise<ProbeResult> {
  let url: URL;
  try {
    url = new URL(spec.probeUrl ?? spec.url);
  } catch {
    return Promise.resolve({
      ok: false,
      cause: "it is not a valid URL",
      fix: "Give an absolute https:// URL",
    });
  }
  if (url.protocol === "http:" && spec.httpsOnly) {
    return Promise.resolve({
      ok: false,
      cause: `it is plain http://, and the ${spec.service ?? "service"}'s SDK sends credentials only over https`,
      fix: "Use the https:// endpoint (an emulator must be started with TLS)",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.resolve({
      ok: false,
      cause: `${url.protocol} is not http(s)`,
      fix: "Give an https:// URL",
    });
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, {
      method: "GET",
      headers: { "user-agent": "dataplane-preflight", accept: "application/json" },
      ...(url.protocol === "https:" && options.ca && options.ca.length > 0 ? { ca: [...options.ca] } : {}),
      agent: false,
    });
    const timer = setTimeout(() => {
      const error = Object.assign(new Error("timed out"), { code: "DP_PROBE_TIMEOUT" });
      req.destroy(error);
    }, timeoutMs);
    req.on("error", (error) => done({ ok: false, ...explainConnectionError(error, spec, options) }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const type = String(res.headers["content-type"] ?? "").split(";")[0] || "no content type";
      res.resume();
      if (looksLikeAzure(status, res.headers)) done({ ok: true, status });
      else
        done({
          ok: false,
          cause: `the server there does not answer like ${spec.service ? `an Azure ${spec.service}` : "an Azure service"} (HTTP ${status}, ${type})`,
          fix: "Check the endpoint URL in the resource document: it must be the resource's data-plane endpoint",
        });
      req.destroy();
    });
    req.end();
  });
}
