import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/keyvault/index.js";
import { clientOptions, credential, errorOf, expectKeyVaultError, raw } from "./helpers.js";

const V = "api-version=2025-07-01";
let emulator: KeyVaultEmulator;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ vaults: ["throttled", "quiet"] });
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(() => {
  emulator.setThrottling(false);
  emulator.resetStats();
});

function burst(count: number, prefix: string) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      raw(emulator, "throttled", "PUT", `/secrets/${prefix}-${i}?${V}`, { body: { value: "v" } }),
    ),
  );
}

describe("throttling", () => {
  it("answers a burst over the secret CREATE limit with 429 Throttled and Retry-After", async () => {
    emulator.setThrottling({ retryAfter: true, windowMs: 2_000, limits: { secretCreate: 10 } }, "throttled");
    const responses = await burst(25, "with-header");
    const throttled = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    expect(throttled).toHaveLength(15);
    for (const response of throttled) {
      expect(errorOf(response).code).toBe("Throttled");
      expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers["retry-after"])).toBeLessThanOrEqual(2);
    }
    const stats = emulator.stats("throttled");
    expect(stats.throttled).toBe(15);
    expect(stats.operations.SetSecret).toEqual({ requests: 25, succeeded: 10, failed: 0, throttled: 15 });
    expect(stats.secretVersionsCreated).toBe(10);
    // Other classes and other vaults have their own budget.
    expect((await raw(emulator, "throttled", "GET", `/secrets?${V}`)).status).toBe(200);
    expect((await raw(emulator, "quiet", "PUT", `/secrets/free?${V}`, { body: { value: "v" } })).status).toBe(
      200,
    );
  });

  it("leaves Retry-After out when asked, as the service sometimes does", async () => {
    emulator.setThrottling({ retryAfter: false, windowMs: 2_000, limits: { secretCreate: 3 } });
    const responses = await burst(6, "no-header");
    const throttled = responses.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(3);
    for (const response of throttled) expect(response.headers["retry-after"]).toBeUndefined();
  });

  it("admits requests again once the window has slid past", async () => {
    // a window long enough that three requests fit in it even on a loaded machine
    emulator.setThrottling({ retryAfter: true, windowMs: 2_000, limits: { secretOther: 2 } });
    const get = () => raw(emulator, "throttled", "GET", `/secrets?${V}`);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 2_050));
    expect((await get()).status).toBe(200);
  });

  it("limits software and HSM key creation separately", async () => {
    emulator.setThrottling({ retryAfter: true, limits: { keyCreate: 1, hsmKeyCreate: 1 } });
    const create = (name: string, kty: string) =>
      raw(emulator, "throttled", "POST", `/keys/${name}/create?${V}`, { body: { kty, crv: "P-256" } });
    expect((await create("soft-1", "EC")).status).toBe(200);
    expect((await create("soft-2", "EC")).status).toBe(429);
    expect((await create("hsm-1", "EC-HSM")).status).toBe(200);
    expect((await create("hsm-2", "EC-HSM")).status).toBe(429);
  });

  it("lets the SDK's default retry policy finish a burst when Retry-After is sent", async () => {
    emulator.setThrottling({ retryAfter: true, windowMs: 1_000, limits: { secretCreate: 10 } });
    const client = new SecretClient(emulator.vaultUri("throttled"), credential, clientOptions(emulator));
    const written = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.setSecret(`sdk-burst-${i}`, `v${i}`)),
    );
    expect(written).toHaveLength(30);
    const stats = emulator.stats("throttled");
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.secretVersionsCreated).toBe(30);
    expect(stats.operations.SetSecret?.succeeded).toBe(30);
  });

  it("surfaces a 429 without Retry-After to the SDK caller, which does not retry it", async () => {
    emulator.setThrottling({ retryAfter: false, windowMs: 5_000, limits: { secretCreate: 1 } });
    const client = new SecretClient(emulator.vaultUri("throttled"), credential, clientOptions(emulator));
    await client.setSecret("bare-1", "v");
    await expectKeyVaultError(client.setSecret("bare-2", "v"), 429, "Throttled");
    expect(emulator.stats("throttled").operations.SetSecret?.throttled).toBe(1);
  });
});
