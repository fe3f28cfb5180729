import { mkdtemp, readdir, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/keyvault/index.js";
import { credential, errorOf, raw, uniqueName } from "./helpers.js";

const V = "api-version=2025-07-01";
let emulator: KeyVaultEmulator;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({
    vaults: [{ name: "raw", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", location: "West Europe" }],
  });
});

afterAll(async () => {
  await emulator.stop();
});

describe("the bearer challenge", () => {
  it("answers an unauthenticated request with the service's 401 and challenge", async () => {
    const response = await raw(emulator, "raw", "GET", `/secrets?${V}`, { auth: false });
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(
      'Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"',
    );
    expect(errorOf(response)).toEqual({
      code: "Unauthorized",
      message: "AKV10000: Request is missing a Bearer or PoP token.",
    });
  });

  it("does not look at the body of an unauthenticated request", async () => {
    const name = uniqueName("challenge");
    const empty = await raw(emulator, "raw", "PUT", `/secrets/${name}?${V}`, { auth: false });
    expect(empty.status).toBe(401);
    const malformed = await raw(emulator, "raw", "PUT", `/secrets/${name}?${V}`, {
      auth: false,
      body: "{not json",
    });
    expect(malformed.status).toBe(401);
    const authorised = await raw(emulator, "raw", "PUT", `/secrets/${name}?${V}`, { body: { value: "v" } });
    expect(authorised.status).toBe(200);
  });

  it("accepts any bearer token and counts challenges apart from requests", async () => {
    emulator.resetStats("raw");
    await raw(emulator, "raw", "GET", `/secrets?${V}`, { auth: false });
    await raw(emulator, "raw", "GET", `/secrets?${V}`, {
      headers: { authorization: "Bearer anything-at-all" },
      auth: false,
    });
    const stats = emulator.stats("raw");
    expect(stats.challenges).toBe(1);
    expect(stats.requests).toBe(1);
    expect(stats.operations.GetSecrets?.succeeded).toBe(1);
  });

  it("names the configured challenge resource", async () => {
    const other = await startKeyVaultEmulator({
      vaults: ["resource"],
      challengeResource: "https://vault.usgovcloudapi.net",
    });
    try {
      const response = await raw(other, "resource", "GET", `/keys?${V}`, { auth: false });
      expect(response.headers["www-authenticate"]).toContain('resource="https://vault.usgovcloudapi.net"');
    } finally {
      await other.stop();
    }
  });
});

describe("error bodies and bad input", () => {
  it("sends the service's headers", async () => {
    const response = await raw(emulator, "raw", "GET", `/secrets?${V}`, {
      headers: { "x-ms-client-request-id": "abc-123" },
    });
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.headers["x-ms-keyvault-region"]).toBe("westeurope");
    expect(response.headers["x-ms-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers["x-ms-client-request-id"]).toBe("abc-123");
  });

  it("refuses a missing or unknown api-version and accepts the versions the SDKs send", async () => {
    const missing = await raw(emulator, "raw", "GET", "/secrets");
    expect(missing.status).toBe(400);
    expect(errorOf(missing).code).toBe("BadParameter");
    const unknown = await raw(emulator, "raw", "GET", "/secrets?api-version=1999-01-01");
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toEqual({
      code: "BadParameter",
      message:
        "The specified version (1999-01-01) is not recognized. Consider using the latest supported version (2025-07-01).",
    });
    for (const version of ["2025-07-01", "2026-04-01", "7.4", "7.6-preview.2"]) {
      expect((await raw(emulator, "raw", "GET", `/secrets?api-version=${version}`)).status).toBe(200);
    }
  });

  it("answers malformed or missing JSON, invalid names and bad parameters with 400 BadParameter", async () => {
    const cases = [
      await raw(emulator, "raw", "PUT", `/secrets/${uniqueName("json")}?${V}`, { body: "{not json" }),
      await raw(emulator, "raw", "PUT", `/secrets/${uniqueName("empty")}?${V}`),
      await raw(emulator, "raw", "PUT", `/secrets/${uniqueName("novalue")}?${V}`, { body: {} }),
      await raw(emulator, "raw", "PUT", `/secrets/${uniqueName("type")}?${V}`, { body: { value: 42 } }),
      await raw(emulator, "raw", "PUT", `/secrets/bad_name?${V}`, { body: { value: "v" } }),
      await raw(emulator, "raw", "PUT", `/secrets/${"n".repeat(128)}?${V}`, { body: { value: "v" } }),
      await raw(emulator, "raw", "GET", `/secrets?${V}&maxresults=26`),
      await raw(emulator, "raw", "GET", `/secrets?${V}&maxresults=0`),
      await raw(emulator, "raw", "GET", `/secrets?${V}&$skiptoken=garbage`),
      await raw(emulator, "raw", "POST", `/keys/${uniqueName("k")}/create?${V}`, {
        body: { kty: "RSA", key_size: 1024 },
      }),
      await raw(emulator, "raw", "PUT", `/secrets/${uniqueName("attr")}?${V}`, {
        body: { value: "v", attributes: { nbf: 2000, exp: 1000 } },
      }),
    ];
    for (const response of cases) {
      expect(response.status).toBe(400);
      const error = errorOf(response);
      expect(error.code).toBe("BadParameter");
      expect(typeof error.message).toBe("string");
    }
  });

  it("answers unknown objects with the kind's NotFound code and the service's message", async () => {
    const secret = await raw(emulator, "raw", "GET", `/secrets/nothing-here/?${V}`);
    expect(secret.status).toBe(404);
    expect(errorOf(secret).code).toBe("SecretNotFound");
    expect(errorOf(secret).message).toMatch(
      /^A secret with \(name\/id\) nothing-here was not found in this key vault\./,
    );
    const key = await raw(emulator, "raw", "GET", `/keys/nothing-here/0123456789abcdef0123456789abcdef?${V}`);
    expect(key.status).toBe(404);
    expect(errorOf(key).code).toBe("KeyNotFound");
    const certificate = await raw(emulator, "raw", "GET", `/certificates/nothing-here?${V}`);
    expect(errorOf(certificate).code).toBe("CertificateNotFound");
    const deleted = await raw(emulator, "raw", "GET", `/deletedsecrets/nothing-here?${V}`);
    expect(errorOf(deleted).code).toBe("SecretNotFound");
  });

  it("answers unknown paths with 404 and wrong methods with 405", async () => {
    expect((await raw(emulator, "raw", "GET", `/storage?${V}`)).status).toBe(404);
    expect((await raw(emulator, "raw", "DELETE", `/secrets?${V}`)).status).toBe(405);
    expect((await raw(emulator, "raw", "GET", `/constructor/x?${V}`)).status).toBe(404);
  });

  it("refuses a secret over 25 KB and a second write to a deleted name", async () => {
    const big = await raw(emulator, "raw", "PUT", `/secrets/${uniqueName("big")}?${V}`, {
      body: { value: "x".repeat(25 * 1024 + 1) },
    });
    expect(big.status).toBe(400);
    const name = uniqueName("deleted");
    await raw(emulator, "raw", "PUT", `/secrets/${name}?${V}`, { body: { value: "v" } });
    await raw(emulator, "raw", "DELETE", `/secrets/${name}?${V}`);
    const conflict = await raw(emulator, "raw", "PUT", `/secrets/${name}?${V}`, { body: { value: "v" } });
    expect(conflict.status).toBe(409);
    expect(errorOf(conflict)).toMatchObject({
      code: "Conflict",
      innererror: { code: "ObjectIsDeletedButRecoverable" },
    });
  });
});

describe("paging links", () => {
  it("returns absolute nextLinks that keep api-version and maxresults, and null at the end", async () => {
    const vault = await startKeyVaultEmulator({ vaults: ["paging-raw"] });
    try {
      for (let i = 0; i < 7; i++) vault.seedSecret("paging-raw", `item-${i}`, "v");
      const first = await raw(vault, "paging-raw", "GET", `/secrets?api-version=7.5&maxresults=3`);
      const body = first.json as { value: { id: string }[]; nextLink: string };
      expect(body.value.map((s) => s.id)).toEqual(
        [0, 1, 2].map((i) => `${vault.vaultUri("paging-raw")}secrets/item-${i}`),
      );
      expect(body.nextLink.startsWith(`${vault.vaultUri("paging-raw")}secrets?`)).toBe(true);
      const link = new URL(body.nextLink);
      expect(link.searchParams.get("api-version")).toBe("7.5");
      expect(link.searchParams.get("maxresults")).toBe("3");
      expect(link.searchParams.get("$skiptoken")).toBeTruthy();
      const names: string[] = body.value.map((s) => s.id);
      let next: string | null = body.nextLink;
      while (next) {
        const page = await raw(
          vault,
          "paging-raw",
          "GET",
          next.slice(vault.vaultUri("paging-raw").length - 1),
        );
        const pageBody = page.json as { value: { id: string }[]; nextLink: string | null };
        names.push(...pageBody.value.map((s) => s.id));
        next = pageBody.nextLink;
      }
      expect(names).toHaveLength(7);
    } finally {
      await vault.stop();
    }
  });
});

describe("admin endpoints", () => {
  it("reports the vault, its stats and throttling, and resets stats", async () => {
    const info = await raw(emulator, "raw", "GET", "/_emulator/vault", { auth: false });
    expect(info.json).toMatchObject({
      name: "raw",
      vaultUri: emulator.vaultUri("raw"),
      location: "westeurope",
    });

    await raw(emulator, "raw", "GET", `/secrets?${V}`);
    const stats = await raw(emulator, "raw", "GET", "/_emulator/stats", { auth: false });
    expect((stats.json as { requests: number }).requests).toBeGreaterThan(0);
    expect((await raw(emulator, "raw", "POST", "/_emulator/stats/reset", { auth: false })).status).toBe(204);
    expect(
      ((await raw(emulator, "raw", "GET", "/_emulator/stats")).json as { requests: number }).requests,
    ).toBe(0);

    const throttling = await raw(emulator, "raw", "PUT", "/_emulator/throttling", {
      body: { retryAfter: false, windowMs: 1000, limits: { secretCreate: 5 } },
    });
    expect(throttling.status).toBe(200);
    expect(throttling.json).toMatchObject({
      enabled: true,
      retryAfter: false,
      windowMs: 1000,
      limits: { secretCreate: 5 },
    });
    const bad = await raw(emulator, "raw", "PUT", "/_emulator/throttling", { body: { retryAfter: "yes" } });
    expect(bad.status).toBe(400);
    expect((await raw(emulator, "raw", "PUT", "/_emulator/throttling", { body: "false" })).status).toBe(200);
    expect(
      ((await raw(emulator, "raw", "GET", "/_emulator/throttling")).json as { enabled: boolean }).enabled,
    ).toBe(false);
  });

  it("seeds secrets for an emulator in another process", async () => {
    const response = await raw(emulator, "raw", "POST", "/_emulator/secrets", {
      body: { secrets: [{ name: "admin-seeded", value: "s", tags: { a: "b" } }] },
    });
    expect(response.status).toBe(200);
    expect((response.json as { seeded: number }).seeded).toBe(1);
    const read = await raw(emulator, "raw", "GET", `/secrets/admin-seeded?${V}`);
    expect(read.json).toMatchObject({ value: "s", tags: { a: "b" } });
  });
});

describe("listeners", () => {
  it("serves plain HTTP on request, which the SDK's challenge policy refuses", async () => {
    const http = await startKeyVaultEmulator({ vaults: ["plain"], https: false });
    try {
      expect(http.caCertificatePem).toBeUndefined();
      expect(http.vaultUri("plain")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const response = await raw(http, "plain", "PUT", `/secrets/s?${V}`, { body: { value: "v" } });
      expect(response.status).toBe(200);
      const client = new SecretClient(http.vaultUri("plain"), credential, {
        allowInsecureConnection: true,
        disableChallengeResourceVerification: true,
      });
      await expect(client.getSecret("s")).rejects.toThrow("The request URL must use HTTPS.");
    } finally {
      await http.stop();
    }
  });

  it("reuses the CA and server certificate kept in tlsDir", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kv-tls-"));
    try {
      const first = await startKeyVaultEmulator({ vaults: ["tls-one"], tlsDir: dir });
      await first.stop();
      expect((await readdir(dir)).sort()).toEqual(["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]);
      const second = await startKeyVaultEmulator({ vaults: ["tls-two"], tlsDir: dir });
      try {
        expect(second.caCertificatePem).toBe(first.caCertificatePem);
        expect((await raw(second, "tls-two", "GET", `/secrets?${V}`)).status).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves nothing listening or connected after stop()", async () => {
    const count = () => process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP")).length;
    const baseline = count();
    const stopped = await startKeyVaultEmulator({ vaults: ["stop-a", "stop-b"] });
    expect(stopped.vaults.map((v) => v.port)).toHaveLength(2);
    expect(new Set(stopped.vaults.map((v) => v.port)).size).toBe(2);
    // A keep-alive connection from an SDK client must not hold the process open either.
    const client = new SecretClient(stopped.vaultUri("stop-a"), credential, {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: stopped.caCertificatePem },
    });
    await client.setSecret("x", "y");
    await stopped.stop();
    await stopped.stop();
    const port = stopped.vaults[0]?.port as number;
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.on("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.on("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    // handles close a moment after stop() returns: wait for the condition, not for a fixed time
    while (count() > baseline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(count()).toBeLessThanOrEqual(baseline);
  });
});
