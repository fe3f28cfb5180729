import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/index.js";

let emulator: KeyVaultEmulator;
let client: SecretClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ vaults: ["faulty"] });
  client = new SecretClient(
    emulator.vaultUri("faulty"),
    { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) },
    {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: emulator.caCertificatePem! },
      retryOptions: { maxRetries: 0 },
    },
  );
});

afterAll(() => emulator.stop());

describe("injected connection resets", () => {
  it("cuts the connection before processing: nothing is written", async () => {
    emulator.setFaults({ resetBeforeRate: 1 }, "faulty");
    await expect(client.setSecret("before", "v")).rejects.toThrow();
    emulator.setFaults(false);
    expect(emulator.stats("faulty").resets).toBeGreaterThanOrEqual(1);
    await expect(client.getSecret("before")).rejects.toMatchObject({ statusCode: 404 });
  });

  it("cuts the connection after processing: the write happened although the client saw an error", async () => {
    emulator.resetStats("faulty");
    emulator.setFaults({ resetAfterRate: 1 }, "faulty");
    await expect(client.setSecret("after", "v")).rejects.toThrow();
    emulator.setFaults(false);
    expect(emulator.stats("faulty").secretVersionsCreated).toBe(1);
    expect((await client.getSecret("after")).value).toBe("v");
  });

  it("refuses rates outside 0..1", () => {
    expect(() => emulator.setFaults({ resetBeforeRate: 2 })).toThrow(/from 0 to 1/);
  });
});

describe("injected error answers", () => {
  it("answers a matching path with the status and the service's error shape; nothing is processed", async () => {
    emulator.resetStats("faulty");
    emulator.setFaults(
      {
        failures: [
          { method: "PUT", path: "/secrets/denied*", status: 403, innerCode: "ForbiddenByRbac" },
          { path: "/secrets/flaky", status: 500, times: 1 },
        ],
      },
      "faulty",
    );
    await expect(client.setSecret("denied-one", "v")).rejects.toMatchObject({
      statusCode: 403,
      code: "Forbidden",
    });
    await expect(client.getSecret("denied-one")).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.getSecret("flaky")).rejects.toMatchObject({
      statusCode: 500,
      code: "InternalServerError",
    });
    // `times: 1`: the second request goes through (and finds nothing)
    await expect(client.getSecret("flaky")).rejects.toMatchObject({ statusCode: 404 });
    expect(emulator.stats("faulty").secretVersionsCreated).toBe(0);
    emulator.setFaults(false);
    await client.setSecret("denied-one", "v");
  });

  it("refuses malformed rules", () => {
    expect(() => emulator.setFaults({ failures: [{ path: "secrets", status: 500 }] })).toThrow(/path/);
    expect(() => emulator.setFaults({ failures: [{ path: "/secrets", status: 200 }] })).toThrow(/status/);
  });
});
