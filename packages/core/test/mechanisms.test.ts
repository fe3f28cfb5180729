import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  classifyError,
  classifyStatus,
  FileJournal,
  forEachLimited,
  isDataplaneError,
  mapInOrder,
  ownsKey,
  parseShard,
  REDACTED,
  retryAfterMs,
  SecretRedactor,
  SlidingWindow,
  stableHash,
} from "../src/index.js";

describe("shards", () => {
  it("parses k/n and refuses what cannot be a shard", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["5/4", "0/4", "1/0", "x", "1-4", "-1/2"]) {
      let error: unknown;
      try {
        parseShard(bad);
      } catch (e) {
        error = e;
      }
      expect(isDataplaneError(error) && error.code).toBe("DP_INVALID_INPUT");
    }
  });

  it("covers every key exactly once across n shards, deterministically", () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `blob/container-${i % 7}/path/${i}/日本-${i}`);
    const n = 4;
    const owners = keys.map((k) => [1, 2, 3, 4].filter((index) => ownsKey({ index, count: n }, k)));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    const sizes = [1, 2, 3, 4].map((s) => owners.filter((o) => o[0] === s).length);
    for (const size of sizes) expect(size).toBeGreaterThan(2000);
    expect(stableHash("secret/db-password")).toBe(stableHash("secret/db-password"));
    // documented: the first 32 bits of SHA-256 of the UTF-8 key
    expect(stableHash("")).toBe(0xe3b0c442);
  });
});

describe("sliding window", () => {
  it("allows at most `limit` events in any window", () => {
    const w = new SlidingWindow(3, 1000);
    expect(w.waitMs(0)).toBe(0);
    w.record(0);
    w.record(100);
    w.record(200);
    expect(w.waitMs(300)).toBe(700);
    expect(w.waitMs(999)).toBe(1);
    expect(w.waitMs(1000)).toBe(0); // the event at 0 has left the window (now - 1000, now]
  });
});

describe("redactor", () => {
  it("masks registered secrets in any form, and secret shapes nobody registered", () => {
    const r = new SecretRedactor();
    r.addSecret("canary-secret-value-42");
    r.addSecret("a b/c?d");
    r.addSecret("abc"); // too short to match literally: never masks ordinary words
    const text = [
      "value canary-secret-value-42 in a line",
      JSON.stringify({ note: "canary-secret-value-42" }),
      `url encoded ${encodeURIComponent("a b/c?d")}`,
      "https://acct.blob.core.windows.net/c/b?sv=2025-01-05&sp=r&sig=AbCd%2Bef%3D&se=2030",
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0a2V5PT0=;EndpointSuffix=core.windows.net",
      "Authorization: Bearer eyJhbGciOi.payload.sig",
      "Authorization: SharedKey acct:c2lnbmF0dXJl",
      '{"accountKey":"abc123==","access_token":"t0k3n","clientSecret":"s3cr3t","value":"not a credential"}',
      "abc stays",
    ].join("\n");
    const out = r.redact(text);
    for (const secret of [
      "canary-secret-value-42",
      "a%20b%2Fc%3Fd",
      "AbCd%2Bef%3D",
      "c2VjcmV0a2V5PT0=",
      "eyJhbGciOi",
      "c2lnbmF0dXJl",
      "abc123==",
      "t0k3n",
      "s3cr3t",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain(REDACTED);
    expect(out).toContain("abc stays");
    expect(out).toContain('"value":"not a credential"');
    expect(out).toContain("sv=2025-01-05&sp=r&sig=");
  });

  it("tells whether a text holds a registered value, without taking code that names a password for one", () => {
    const r = new SecretRedactor();
    r.addSecret("canary-secret-value-42");
    expect(r.holdsRegistered("password = var.certificate_x_password")).toBe(false);
    expect(r.holdsRegistered('AccountKey=abc;Password="x"')).toBe(false);
    expect(r.holdsRegistered('value = "canary-secret-value-42"')).toBe(true);
    expect(r.holdsRegistered(`u=${encodeURIComponent("canary-secret-value-42")}`)).toBe(true);
  });
});

describe("transient errors", () => {
  it("reads Retry-After in seconds, milliseconds and HTTP dates", () => {
    expect(retryAfterMs({ get: (n: string) => (n === "retry-after" ? "3" : undefined) })).toBe(3000);
    expect(retryAfterMs({ "retry-after-ms": "250" })).toBe(250);
    expect(retryAfterMs({ "retry-after": new Date(10_000).toUTCString() }, 5_000)).toBe(5000);
    expect(retryAfterMs({})).toBeUndefined();
  });

  it("classifies throttling, server errors, network errors and permanent errors", () => {
    expect(classifyStatus(429)).toMatchObject({
      retryable: true,
      throttled: true,
      reason: "HTTP 429 without Retry-After",
    });
    expect(classifyStatus(503, { "retry-after": "1" })).toMatchObject({
      retryable: true,
      throttled: true,
      retryAfterMs: 1000,
    });
    expect(classifyStatus(500).retryable).toBe(true);
    expect(classifyStatus(404).retryable).toBe(false);
    expect(classifyStatus(501).retryable).toBe(false);
    expect(classifyError(Object.assign(new Error("reset"), { code: "ECONNRESET" })).retryable).toBe(true);
    expect(
      classifyError({ name: "RestError", code: "REQUEST_SEND_ERROR", message: "socket hang up" }).retryable,
    ).toBe(true);
    expect(
      classifyError({
        statusCode: 429,
        response: { headers: { get: (n: string) => (n === "retry-after" ? "2" : undefined) } },
      }),
    ).toMatchObject({ retryAfterMs: 2000 });
    expect(classifyError(Object.assign(new Error("x"), { name: "AbortError" })).retryable).toBe(false);
    expect(classifyError({ statusCode: 403 }).retryable).toBe(false);
  });
});

describe("checkpoint journal", () => {
  const identity = { plugin: "p", source: "/s", target: "/t", mode: "replication", shard: "1/1" };

  it("remembers finished items across a resume, ignores a torn last line, and refuses another run's journal", () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-journal-"));
    const path = join(dir, "run.jsonl");
    const redactor = new SecretRedactor();
    redactor.addSecret("super-secret-key-name");
    const first = FileJournal.open(path, identity, { resume: false, redactor });
    first.record({ key: "secret/a", status: "created", fingerprint: "v1" });
    first.record({ key: "secret/super-secret-key-name", status: "created" });
    first.close();
    // a kill in the middle of a line
    const torn = readFileSync(path, "utf8") + '{"k":"secret/b","s":"crea';
    writeFileSync(path, torn);

    const resumed = FileJournal.open(path, identity, { resume: true, redactor });
    expect(resumed.resumedCount).toBe(2);
    expect(resumed.isDone("secret/a", "v1")).toBe(true);
    expect(resumed.isDone("secret/a", "v2")).toBe(false); // the source changed since
    expect(resumed.isDone("secret/b")).toBe(false);
    resumed.close();
    expect(readFileSync(path, "utf8")).not.toContain("super-secret-key-name");

    const fresh = FileJournal.open(path, identity, { resume: false, redactor });
    expect(fresh.isDone("secret/a")).toBe(false);
    fresh.close();

    let error: unknown;
    try {
      FileJournal.open(path, { ...identity, shard: "2/4" }, { resume: true, redactor });
    } catch (e) {
      error = e;
    }
    expect(isDataplaneError(error) && error.code).toBe("DP_CHECKPOINT_INVALID");
  });
});

describe("concurrency helpers", () => {
  it("mapInOrder overlaps calls but keeps the source order", async () => {
    let inFlight = 0;
    let peak = 0;
    async function* source() {
      for (let i = 0; i < 20; i++) yield i;
    }
    const out: number[] = [];
    for await (const v of mapInOrder(source(), 5, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (20 - i) % 7));
      inFlight--;
      return i * 2;
    })) {
      out.push(v);
    }
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(5);
  });

  it("forEachLimited bounds calls in flight and stops at the first failure", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([...Array(30).keys()], 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(i);
      inFlight--;
    });
    expect(peak).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    await expect(
      forEachLimited([1, 2, 3], 2, async (i) => {
        if (i === 2) throw new Error("two");
      }),
    ).rejects.toThrow("two");
  });
});
