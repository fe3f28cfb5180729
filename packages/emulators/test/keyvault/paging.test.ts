import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/keyvault/index.js";
import { clientOptions, collect, credential, expectKeyVaultError } from "./helpers.js";

const COUNT = 2500;
let emulator: KeyVaultEmulator;
let client: SecretClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ vaults: ["paging"] });
  for (let i = 0; i < COUNT; i++) {
    emulator.seedSecret("paging", `secret-${String(i).padStart(4, "0")}`, `value-${i}`, {
      tags: { n: String(i) },
    });
  }
  client = new SecretClient(emulator.vaultUri("paging"), credential, clientOptions(emulator));
});

afterAll(async () => {
  await emulator.stop();
});

describe("listing 2,500 secrets", () => {
  it("lists every secret exactly once, 25 per page", async () => {
    emulator.resetStats("paging");
    const listed = await collect(client.listPropertiesOfSecrets());
    expect(listed).toHaveLength(COUNT);
    expect(new Set(listed.map((s) => s.name)).size).toBe(COUNT);
    expect(listed[0]?.name).toBe("secret-0000");
    expect(listed[COUNT - 1]?.tags).toEqual({ n: String(COUNT - 1) });
    expect(emulator.stats("paging").operations.GetSecrets?.succeeded).toBe(COUNT / 25);
  });

  it("pages by the requested size and refuses a size the service refuses", async () => {
    const pages: number[] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 10 }))
      pages.push(page.length);
    expect(pages).toHaveLength(COUNT / 10);
    expect(pages.every((size) => size === 10)).toBe(true);

    // (keyvault-secrets 4.12 maps each page to a new array, so pages carry no continuationToken.)
    await expectKeyVaultError(
      collect(client.listPropertiesOfSecrets().byPage({ maxPageSize: 100 })),
      400,
      "BadParameter",
    );
  });

  it("keeps a listing consistent while secrets are added and deleted", async () => {
    const iterator = client.listPropertiesOfSecrets().byPage({ maxPageSize: 25 });
    const first = (await iterator.next()).value as { name: string }[];
    emulator.seedSecret("paging", "secret-0000a", "inserted before the cursor");
    await (await client.beginDeleteSecret("secret-0030")).pollUntilDone();
    const second = (await iterator.next()).value as { name: string }[];
    expect(first.at(-1)?.name).toBe("secret-0024");
    expect(second[0]?.name).toBe("secret-0025");
    expect(second.map((s) => s.name)).not.toContain("secret-0030");
  });

  it("pages versions and deleted secrets", async () => {
    for (let i = 0; i < 60; i++) emulator.seedSecret("paging", "many-versions", `v${i}`);
    expect(await collect(client.listPropertiesOfSecretVersions("many-versions"))).toHaveLength(60);
    for (let i = 100; i < 130; i++) await (await client.beginDeleteSecret(`secret-0${i}`)).pollUntilDone();
    const deleted = await collect(client.listDeletedSecrets());
    expect(deleted.length).toBeGreaterThanOrEqual(30);
    expect(deleted.some((s) => s.name === "secret-0129")).toBe(true);
  });
});
