import type { VaultState } from "../state/vault.js";
import { badParameter } from "./errors.js";

/** What a handler sees of a request. */
export interface RequestContext {
  vault: VaultState;
  method: string;
  /** Decoded path segments, e.g. `["secrets", "db-password", ""]` for `/secrets/db-password/`. */
  segments: string[];
  query: URLSearchParams;
  apiVersion: string;
  /** Parsed JSON body for operations that take one. */
  body: unknown;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function ok(body: unknown): HandlerResult {
  return { status: 200, body };
}

/** The service's page size and limit for `maxresults`. */
export const MAX_PAGE_SIZE = 25;

export function pageSizeOf(ctx: RequestContext): number {
  const raw = ctx.query.get("maxresults");
  if (raw === null || raw === "") return MAX_PAGE_SIZE;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badParameter(
      `Invalid maxresults value '${raw}'. The value must be an integer between 1 and ${MAX_PAGE_SIZE}.`,
    );
  }
  return size;
}

export interface SkipToken {
  /** Last name (lower case) or version id returned: listings are ordered by name or id. */
  after?: string;
}

export function skipTokenOf(ctx: RequestContext): SkipToken {
  const raw = ctx.query.get("$skiptoken");
  if (raw === null || raw === "") return {};
  try {
    const token = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as SkipToken;
    if (typeof token !== "object" || token === null) throw new Error("not an object");
    if (token.after !== undefined && typeof token.after !== "string") throw new Error("bad after");
    return token;
  } catch {
    throw badParameter("The $skiptoken value is invalid.");
  }
}

/** Absolute `nextLink` for the same listing, carrying api-version, maxresults and other parameters. */
export function nextLinkOf(ctx: RequestContext, token: SkipToken): string {
  const params = new URLSearchParams();
  params.set("api-version", ctx.apiVersion);
  params.set("$skiptoken", Buffer.from(JSON.stringify(token), "utf8").toString("base64url"));
  for (const [key, value] of ctx.query) {
    if (key !== "api-version" && key !== "$skiptoken") params.set(key, value);
  }
  const path = ctx.segments.map((s) => encodeURIComponent(s)).join("/");
  return `${ctx.vault.baseUrl}/${path}?${params.toString().replace("%24skiptoken", "$skiptoken")}`;
}

/** One page of a name-ordered listing. */
export function pageByName<T>(
  ctx: RequestContext,
  names: { after(after: string | undefined, limit: number): string[]; hasAfter(key: string): boolean },
  render: (key: string) => T | undefined,
): { value: T[]; nextLink: string | null } {
  const size = pageSizeOf(ctx);
  const { after } = skipTokenOf(ctx);
  const keys = names.after(after, size);
  const value: T[] = [];
  for (const key of keys) {
    const item = render(key);
    if (item !== undefined) value.push(item);
  }
  const last = keys[keys.length - 1];
  const more = last !== undefined && keys.length === size && names.hasAfter(last);
  return { value, nextLink: more ? nextLinkOf(ctx, { after: last }) : null };
}
