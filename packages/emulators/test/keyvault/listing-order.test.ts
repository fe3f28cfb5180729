import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/keyvault/index.js";
import { clientOptions, collect, credential, raw } from "./helpers.js";

let emulator: KeyVaultEmulator;
let secrets: SecretClient;
let keys: KeyClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ vaults: ["order"] });
  secrets = new SecretClient(emulator.vaultUri("order"), credential, clientOptions(emulator));
  keys = new KeyClient(emulator.vaultUri("order"), credential, clientOptions(emulator));
});

afterAll(async () => {
  await emulator.stop();
});

const byId = (ids: readonly string[]) => [...ids].sort();

describe("listing order (the service's: versions by id, not by age)", () => {
  it("lists secret versions written within one second by version id; GET returns the newest", async () => {
    const written: string[] = [];
    for (let i = 0; i < 12; i++) written.push(emulator.seedSecret("order", "burst", `value-${i}`).version);
    const listed = await collect(secrets.listPropertiesOfSecretVersions("burst"));
    const ids = listed.map((v) => v.version as string);
    expect(ids).toEqual(byId(written));
    // Twelve random ids in creation order would be sorted by chance once in 12! runs.
    expect(ids).not.toEqual(written);
    expect((await secrets.getSecret("burst")).properties.version).toBe(written.at(-1));
    expect((await secrets.getSecret("burst")).value).toBe("value-11");
  });

  it("pages a version listing by id with a skip token", async () => {
    const written: string[] = [];
    for (let i = 0; i < 7; i++) written.push(emulator.seedSecret("order", "paged", `v${i}`).version);
    const pages: string[][] = [];
    for await (const page of secrets.listPropertiesOfSecretVersions("paged").byPage({ maxPageSize: 3 }))
      pages.push(page.map((v) => v.version as string));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(byId(written));
  });

  it("lists key versions by id too", async () => {
    const written: string[] = [];
    for (let i = 0; i < 6; i++)
      written.push((await keys.createEcKey("key-burst")).properties.version as string);
    const ids = (await collect(keys.listPropertiesOfKeyVersions("key-burst"))).map((v) => v.version);
    expect(ids).toEqual(byId(written));
    expect((await keys.getKey("key-burst")).properties.version).toBe(written.at(-1));
  });

  it("leaves tags out of the answers for an untagged secret", async () => {
    await secrets.setSecret("untagged", "x");
    const got = await raw(emulator, "order", "GET", "/secrets/untagged?api-version=7.6");
    expect(got.status).toBe(200);
    expect(got.json).not.toHaveProperty("tags");
    const listed = await raw(emulator, "order", "GET", "/secrets/untagged/versions?api-version=7.6");
    expect((listed.json as { value: object[] }).value[0]).not.toHaveProperty("tags");
  });
});
