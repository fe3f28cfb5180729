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
