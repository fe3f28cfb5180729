import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/keyvault/index.js";
import { clientOptions, collect, credential, expectKeyVaultError, uniqueName } from "./helpers.js";

const SUBSCRIPTION = "11111111-1111-1111-1111-111111111111";
const OTHER_SUBSCRIPTION = "22222222-2222-2222-2222-222222222222";

let emulator: KeyVaultEmulator;
const clients: Record<string, SecretClient> = {};
const client = (vault: string) => clients[vault] as SecretClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({
    vaults: [
      { name: "source", subscriptionId: SUBSCRIPTION, location: "eastus" },
      { name: "same-geo", subscriptionId: SUBSCRIPTION, location: "westus" },
      { name: "other-sub", subscriptionId: OTHER_SUBSCRIPTION, location: "eastus" },
      { name: "other-geo", subscriptionId: SUBSCRIPTION, location: "westeurope" },
      { name: "no-soft-delete", softDelete: false },
      { name: "protected", purgeProtection: true, retentionDays: 7 },
    ],
  });
  for (const vault of emulator.vaults) {
    clients[vault.name] = new SecretClient(vault.vaultUri, credential, clientOptions(emulator));
  }
});

afterAll(async () => {
  await emulator.stop();
});

describe("writing and reading secrets", () => {
  it("creates a new version on every set and reads latest and earlier versions", async () => {
    const name = uniqueName("versions");
    const before = emulator.stats("source").secretVersionsCreated;
    const first = await client("source").setSecret(name, "one");
    const second = await client("source").setSecret(name, "two");
    expect(first.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(second.properties.version).not.toBe(first.properties.version);
    expect(second.properties.id).toBe(
      `${emulator.vaultUri("source")}secrets/${name}/${second.properties.version}`,
    );

    expect((await client("source").getSecret(name)).value).toBe("two");
    expect(
      (await client("source").getSecret(name, { version: first.properties.version as string })).value,
    ).toBe("one");
    const versions = await collect(client("source").listPropertiesOfSecretVersions(name));
    expect(versions.map((v) => v.version).sort()).toEqual(
      [first.properties.version, second.properties.version].sort(),
    );
    expect(emulator.stats("source").secretVersionsCreated - before).toBe(2);
  });

  it("keeps content type, tags and validity dates", async () => {
    const name = uniqueName("attrs");
    const notBefore = new Date("2024-01-01T00:00:00Z");
    // The SDK serialises dates with `| 0`: anything after 2038-01-19 overflows int32.
    const expiresOn = new Date("2037-12-31T00:00:00Z");
    await client("source").setSecret(name, "v", {
      contentType: "text/plain",
      tags: { team: "data", env: "test" },
      notBefore,
      expiresOn,
    });
    const secret = await client("source").getSecret(name);
    expect(secret.properties.contentType).toBe("text/plain");
    expect(secret.properties.tags).toEqual({ team: "data", env: "test" });
    expect(secret.properties.notBefore?.toISOString()).toBe(notBefore.toISOString());
    expect(secret.properties.expiresOn?.toISOString()).toBe(expiresOn.toISOString());
    expect(secret.properties.recoveryLevel).toBe("Recoverable+Purgeable");
    expect(secret.properties.recoverableDays).toBe(90);
  });

  it("updates attributes without a new version and refuses to read a disabled value", async () => {
    const name = uniqueName("disabled");
    const enabledVersion = await client("source").setSecret(name, "old");
    const latest = await client("source").setSecret(name, "new");
    const updated = await client("source").updateSecretProperties(name, latest.properties.version as string, {
      enabled: false,
      contentType: "application/json",
      tags: { state: "retired" },
    });
    expect(updated.enabled).toBe(false);
    expect(updated.tags).toEqual({ state: "retired" });

    await expectKeyVaultError(client("source").getSecret(name), 403, "Forbidden", "SecretDisabled");
    const listed = (await collect(client("source").listPropertiesOfSecrets())).find((s) => s.name === name);
    expect(listed?.enabled).toBe(false);
    expect(listed?.contentType).toBe("application/json");
    const old = await client("source").getSecret(name, {
      version: enabledVersion.properties.version as string,
    });
    expect(old.value).toBe("old");
    expect(await collect(client("source").listPropertiesOfSecretVersions(name))).toHaveLength(2);
  });

  it("refuses an update that would put nbf after exp and leaves the version as it was", async () => {
    const name = uniqueName("window");
    const written = await client("source").setSecret(name, "v", {
      expiresOn: new Date("2030-01-01T00:00:00Z"),
    });
    await expectKeyVaultError(
      client("source").updateSecretProperties(name, written.properties.version as string, {
        notBefore: new Date("2031-01-01T00:00:00Z"),
        enabled: false,
      }),
      400,
      "BadParameter",
    );
    const read = await client("source").getSecret(name);
    expect(read.properties.enabled).toBe(true);
    expect(read.properties.notBefore).toBeUndefined();
  });

  it("still returns the value of an expired or not yet valid secret, as the service does", async () => {
    const name = uniqueName("expired");
    await client("source").setSecret(name, "late", { expiresOn: new Date("2001-01-01T00:00:00Z") });
    expect((await client("source").getSecret(name)).value).toBe("late");
  });

  it("treats names case-insensitively and keeps the first spelling", async () => {
    const name = `Mixed-${uniqueName("Case")}`;
    await client("source").setSecret(name, "x");
    const read = await client("source").getSecret(name.toLowerCase());
    expect(read.value).toBe("x");
    expect(read.name).toBe(name);
  });

  it("lists names without values", async () => {
    const name = uniqueName("listed");
    await client("source").setSecret(name, "hidden");
    const page = await collect(client("source").listPropertiesOfSecrets());
    const item = page.find((s) => s.name === name);
    expect(item).toBeDefined();
    expect(item?.id).toBe(`${emulator.vaultUri("source")}secrets/${name}`);
    expect((item as unknown as { value?: string }).value).toBeUndefined();
  });
});

describe("the service's limits and errors", () => {
  it("accepts a 25 KB value and refuses a larger one", async () => {
    await client("source").setSecret(uniqueName("big"), "x".repeat(25 * 1024));
    await expectKeyVaultError(
      client("source").setSecret(uniqueName("big"), "x".repeat(25 * 1024 + 1)),
      400,
      "BadParameter",
    );
  });

  it("refuses a content type over 255 characters, more than 15 tags and invalid names", async () => {
    await expectKeyVaultError(
      client("source").setSecret(uniqueName("ct"), "v", { contentType: "c".repeat(256) }),
      400,
      "BadParameter",
    );
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
    await expectKeyVaultError(
      client("source").setSecret(uniqueName("tags"), "v", { tags }),
      400,
      "BadParameter",
    );
    await expectKeyVaultError(client("source").setSecret("bad_name", "v"), 400, "BadParameter");
    await expectKeyVaultError(client("source").setSecret("x".repeat(128), "v"), 400, "BadParameter");
    await client("source").setSecret("y".repeat(127), "v");
  });

  it("answers 404 SecretNotFound for an unknown secret or version", async () => {
    await expectKeyVaultError(client("source").getSecret(uniqueName("missing")), 404, "SecretNotFound");
    const name = uniqueName("present");
    await client("source").setSecret(name, "v");
    await expectKeyVaultError(
      client("source").getSecret(name, { version: "0123456789abcdef0123456789abcdef" }),
      404,
      "SecretNotFound",
    );
  });
});

describe("soft delete", () => {
  it("deletes, lists, recovers and purges", async () => {
    const secrets = client("source");
    const name = uniqueName("soft");
    await secrets.setSecret(name, "a");
    await secrets.setSecret(name, "b");

    const deleted = await (await secrets.beginDeleteSecret(name)).pollUntilDone();
    expect(deleted.recoveryId).toBe(`${emulator.vaultUri("source")}deletedsecrets/${name}`);
    expect(deleted.properties.deletedOn).toBeInstanceOf(Date);
    expect(deleted.properties.scheduledPurgeDate?.getTime()).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    await expectKeyVaultError(secrets.getSecret(name), 404, "SecretNotFound");
    expect((await collect(secrets.listDeletedSecrets())).some((s) => s.name === name)).toBe(true);
    expect((await secrets.getDeletedSecret(name)).name).toBe(name);
    expect((await collect(secrets.listPropertiesOfSecrets())).some((s) => s.name === name)).toBe(false);

    await expectKeyVaultError(secrets.setSecret(name, "c"), 409, "Conflict", "ObjectIsDeletedButRecoverable");

    await (await secrets.beginRecoverDeletedSecret(name)).pollUntilDone();
    expect((await secrets.getSecret(name)).value).toBe("b");
    expect(await collect(secrets.listPropertiesOfSecretVersions(name))).toHaveLength(2);

    await (await secrets.beginDeleteSecret(name)).pollUntilDone();
    await secrets.purgeDeletedSecret(name);
    await expectKeyVaultError(secrets.getDeletedSecret(name), 404, "SecretNotFound");
    await secrets.setSecret(name, "fresh");
    expect(await collect(secrets.listPropertiesOfSecretVersions(name))).toHaveLength(1);
  });

  it("refuses to purge when the vault has purge protection", async () => {
    const secrets = client("protected");
    const name = uniqueName("keep");
    const written = await secrets.setSecret(name, "v");
    expect(written.properties.recoveryLevel).toBe("CustomizedRecoverable");
    expect(written.properties.recoverableDays).toBe(7);
    await (await secrets.beginDeleteSecret(name)).pollUntilDone();
    await expectKeyVaultError(secrets.purgeDeletedSecret(name), 403, "Forbidden");
    await (await secrets.beginRecoverDeletedSecret(name)).pollUntilDone();
    expect((await secrets.getSecret(name)).value).toBe("v");
  });

  it("deletes for good when the vault has no soft delete", async () => {
    const secrets = client("no-soft-delete");
    const name = uniqueName("gone");
    const written = await secrets.setSecret(name, "v");
    expect(written.properties.recoveryLevel).toBe("Purgeable");
    const deleted = await (await secrets.beginDeleteSecret(name)).pollUntilDone();
    expect(deleted.recoveryId).toBeUndefined();
    await expectKeyVaultError(secrets.getDeletedSecret(name), 404, "SecretNotFound");
    await secrets.setSecret(name, "again");
  });
});

describe("backup and restore", () => {
  it("restores all versions, disabled ones included, in the same subscription and geography", async () => {
    const source = client("source");
    const name = uniqueName("backup");
    const v1 = await source.setSecret(name, "one", { tags: { n: "1" } });
    await source.setSecret(name, "two");
    await source.updateSecretProperties(name, v1.properties.version as string, { enabled: false });
    const blob = await source.backupSecret(name);
    expect(blob).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(blob as Uint8Array).toString("utf8")).not.toContain("one");

    const restored = await client("same-geo").restoreSecretBackup(blob as Uint8Array);
    expect(restored.name).toBe(name);
    const versions = await collect(client("same-geo").listPropertiesOfSecretVersions(name));
    expect(versions).toHaveLength(2);
    const disabled = versions.find((v) => v.version === v1.properties.version);
    expect(disabled?.enabled).toBe(false);
    expect(disabled?.tags).toEqual({ n: "1" });
    expect((await client("same-geo").getSecret(name)).value).toBe("two");

    await expectKeyVaultError(client("same-geo").restoreSecretBackup(blob as Uint8Array), 409, "Conflict");
    await (await source.beginDeleteSecret(name)).pollUntilDone();
    await source.purgeDeletedSecret(name);
    await source.restoreSecretBackup(blob as Uint8Array);
    expect((await source.getSecret(name)).value).toBe("two");
  });

  it("refuses a restore into another subscription or geography, and a tampered blob", async () => {
    const name = uniqueName("moving");
    await client("source").setSecret(name, "v");
    const blob = (await client("source").backupSecret(name)) as Uint8Array;
    const refused = await expectKeyVaultError(
      client("other-sub").restoreSecretBackup(blob),
      400,
      "BadParameter",
    );
    expect(refused.details?.error?.message).toBe("Cannot decrypt backup blob.");
    await expectKeyVaultError(client("other-geo").restoreSecretBackup(blob), 400, "BadParameter");
    const tampered = Uint8Array.from(blob);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0xff;
    await expectKeyVaultError(client("same-geo").restoreSecretBackup(tampered), 400, "BadParameter");
    await expectKeyVaultError(client("same-geo").getSecret(name), 404, "SecretNotFound");
  });
});

describe("seeding", () => {
  it("writes secrets without HTTP and without counting them", async () => {
    const before = emulator.stats("source");
    const seeded = emulator.seedSecret("source", "seeded-one", "value", {
      contentType: "text/plain",
      enabled: false,
    });
    expect(seeded.id).toBe(`${emulator.vaultUri("source")}secrets/seeded-one/${seeded.version}`);
    const after = emulator.stats("source");
    expect(after.requests).toBe(before.requests);
    expect(after.secretVersionsCreated).toBe(before.secretVersionsCreated);
    const listed = (await collect(client("source").listPropertiesOfSecrets())).find(
      (s) => s.name === "seeded-one",
    );
    expect(listed?.enabled).toBe(false);
    expect(() => emulator.seedSecret("source", "bad name", "v")).toThrow();
  });
});
