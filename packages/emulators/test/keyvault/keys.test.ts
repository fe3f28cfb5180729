import { createHash, createPublicKey, generateKeyPairSync, verify as verifySignature } from "node:crypto";
import { CryptographyClient, type JsonWebKey, KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../src/keyvault/index.js";
import { clientOptions, collect, credential, expectKeyVaultError, uniqueName } from "./helpers.js";

let emulator: KeyVaultEmulator;
let keys: KeyClient;
let sameGeo: KeyClient;
let otherSub: KeyClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({
    vaults: [
      { name: "keys", subscriptionId: "sub-a", location: "westeurope" },
      { name: "keys-neu", subscriptionId: "sub-a", location: "northeurope" },
      { name: "keys-other", subscriptionId: "sub-b", location: "westeurope" },
    ],
  });
  keys = new KeyClient(emulator.vaultUri("keys"), credential, clientOptions(emulator));
  sameGeo = new KeyClient(emulator.vaultUri("keys-neu"), credential, clientOptions(emulator));
  otherSub = new KeyClient(emulator.vaultUri("keys-other"), credential, clientOptions(emulator));
});

afterAll(async () => {
  await emulator.stop();
});

/** The public key the service returned, as a node KeyObject. */
function publicKeyOf(jwk: JsonWebKey) {
  const b64 = (bytes: Uint8Array | undefined) => Buffer.from(bytes as Uint8Array).toString("base64url");
  if (jwk.kty?.startsWith("RSA"))
    return createPublicKey({ key: { kty: "RSA", n: b64(jwk.n), e: b64(jwk.e) }, format: "jwk" });
  const crv = jwk.crv === "P-256K" ? "secp256k1" : (jwk.crv as string);
  return createPublicKey({ key: { kty: "EC", crv, x: b64(jwk.x), y: b64(jwk.y) }, format: "jwk" });
}

function toSdkJwk(jwk: Record<string, unknown>, kty: string): JsonWebKey {
  const result: Record<string, unknown> = { kty };
  for (const [name, value] of Object.entries(jwk)) {
    if (name === "kty") continue;
    result[name] =
      name === "crv" ? (value === "secp256k1" ? "P-256K" : value) : Buffer.from(value as string, "base64url");
  }
  return result as JsonWebKey;
}

describe("creating keys", () => {
  it("creates RSA keys of every size with real key material", async () => {
    const before = emulator.stats("keys").keysCreated;
    const rsa = await keys.createRsaKey(uniqueName("rsa"));
    expect(rsa.keyType).toBe("RSA");
    expect(rsa.key?.n?.length).toBe(256);
    expect(rsa.keyOperations?.sort()).toEqual([
      "decrypt",
      "encrypt",
      "sign",
      "unwrapKey",
      "verify",
      "wrapKey",
    ]);
    expect(publicKeyOf(rsa.key as JsonWebKey).asymmetricKeyDetails?.modulusLength).toBe(2048);

    const rsa3072 = await keys.createRsaKey(uniqueName("rsa3072"), {
      keySize: 3072,
      keyOps: ["sign", "verify"],
    });
    expect(rsa3072.key?.n?.length).toBe(384);
    expect(rsa3072.keyOperations).toEqual(["sign", "verify"]);

    const hsm = await keys.createRsaKey(uniqueName("rsahsm"), { keySize: 4096, hsm: true });
    expect(hsm.keyType).toBe("RSA-HSM");
    expect(hsm.key?.n?.length).toBe(512);
    expect(emulator.stats("keys").keysCreated - before).toBe(3);
  });

  it("creates EC keys on every curve", async () => {
    for (const [curve, bytes] of [
      ["P-256", 32],
      ["P-384", 48],
      ["P-521", 66],
      ["P-256K", 32],
    ] as const) {
      const key = await keys.createEcKey(uniqueName("ec"), { curve, hsm: curve === "P-384" });
      expect(key.keyType).toBe(curve === "P-384" ? "EC-HSM" : "EC");
      expect(key.key?.crv).toBe(curve);
      expect(key.key?.x?.length).toBe(bytes);
      expect(key.keyOperations).toEqual(["sign", "verify"]);
      expect(publicKeyOf(key.key as JsonWebKey).asymmetricKeyType).toBe("ec");
    }
  });

  it("refuses what the service refuses", async () => {
    await expectKeyVaultError(keys.createRsaKey(uniqueName("small"), { keySize: 1024 }), 400, "BadParameter");
    await expectKeyVaultError(keys.createOctKey(uniqueName("oct")), 400, "BadParameter");
    await expectKeyVaultError(
      keys.createKey(uniqueName("weird"), "EC", { curve: "P-999" }),
      400,
      "BadParameter",
    );
    await expectKeyVaultError(
      keys.createRsaKey(uniqueName("export"), { exportable: true, hsm: true }),
      400,
      "BadParameter",
    );
    const releasePolicy = { encodedPolicy: Buffer.from('{"anyOf":[]}'), immutable: false };
    const exportable = await keys.createRsaKey(uniqueName("export"), {
      exportable: true,
      hsm: true,
      releasePolicy,
    });
    expect(exportable.properties.exportable).toBe(true);
    expect(Buffer.from(exportable.properties.releasePolicy?.encodedPolicy as Uint8Array).toString()).toBe(
      '{"anyOf":[]}',
    );
  });

  it("imports RSA and EC keys from JWK", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const imported = await keys.importKey(
      uniqueName("imp-rsa"),
      toSdkJwk(rsa.privateKey.export({ format: "jwk" }), "RSA"),
      {
        tags: { origin: "import" },
      },
    );
    expect(imported.keyType).toBe("RSA");
    expect(Buffer.from(imported.key?.n as Uint8Array).toString("base64url")).toBe(
      rsa.publicKey.export({ format: "jwk" }).n,
    );
    expect(imported.key?.d).toBeUndefined();
    expect(imported.properties.tags).toEqual({ origin: "import" });

    const ec = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const importedEc = await keys.importKey(
      uniqueName("imp-ec"),
      toSdkJwk(ec.privateKey.export({ format: "jwk" }), "EC"),
      {
        hardwareProtected: true,
      },
    );
    expect(importedEc.keyType).toBe("EC-HSM");
    expect(importedEc.key?.crv).toBe("P-384");

    const publicOnly = toSdkJwk(rsa.publicKey.export({ format: "jwk" }), "RSA");
    await expectKeyVaultError(keys.importKey(uniqueName("imp-pub"), publicOnly), 400, "BadParameter");
    expect(emulator.stats("keys").keysImported).toBeGreaterThanOrEqual(2);
  });
});

describe("reading and updating keys", () => {
  it("gets by version, lists versions and updates properties", async () => {
    const name = uniqueName("versions");
    const first = await keys.createEcKey(name);
    const second = await keys.createEcKey(name, { tags: { gen: "2" } });
    expect((await keys.getKey(name)).properties.version).toBe(second.properties.version);
    const old = await keys.getKey(name, { version: first.properties.version as string });
    expect(Buffer.from(old.key?.x as Uint8Array)).toEqual(Buffer.from(first.key?.x as Uint8Array));
    const versions = await collect(keys.listPropertiesOfKeyVersions(name));
    expect(versions.map((v) => v.version).sort()).toEqual(
      [first.properties.version, second.properties.version].sort(),
    );
    expect((await collect(keys.listPropertiesOfKeys())).find((k) => k.name === name)?.tags).toEqual({
      gen: "2",
    });

    const updated = await keys.updateKeyProperties(name, second.properties.version as string, {
      enabled: false,
      keyOps: ["verify"],
      tags: { gen: "2", state: "off" },
    });
    expect(updated.properties.enabled).toBe(false);
    expect(updated.keyOperations).toEqual(["verify"]);
    expect((await keys.getKey(name)).properties.tags).toEqual({ gen: "2", state: "off" });
    await expectKeyVaultError(keys.getKey(uniqueName("nope")), 404, "KeyNotFound");
  });
});

describe("lifecycle", () => {
  it("deletes, recovers and purges", async () => {
    const name = uniqueName("life");
    await keys.createRsaKey(name);
    const deleted = await (await keys.beginDeleteKey(name)).pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${emulator.vaultUri("keys")}deletedkeys/${name}`);
    expect((await collect(keys.listDeletedKeys())).some((k) => k.name === name)).toBe(true);
    await expectKeyVaultError(keys.createRsaKey(name), 409, "Conflict", "ObjectIsDeletedButRecoverable");
    await (await keys.beginRecoverDeletedKey(name)).pollUntilDone();
    expect((await keys.getKey(name)).name).toBe(name);
    await (await keys.beginDeleteKey(name)).pollUntilDone();
    await keys.purgeDeletedKey(name);
    await expectKeyVaultError(keys.getDeletedKey(name), 404, "KeyNotFound");
  });

  it("backs up and restores the same key material within the subscription and geography", async () => {
    const name = uniqueName("bak");
    const created = await keys.createRsaKey(name);
    await keys.updateKeyRotationPolicy(name, {
      lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P60D" }],
    });
    const blob = (await keys.backupKey(name)) as Uint8Array;
    const restored = await sameGeo.restoreKeyBackup(blob);
    expect(Buffer.from(restored.key?.n as Uint8Array)).toEqual(Buffer.from(created.key?.n as Uint8Array));
    expect(restored.properties.version).toBe(created.properties.version);
    expect((await sameGeo.getKeyRotationPolicy(name)).lifetimeActions).toEqual([
      { action: "Rotate", timeAfterCreate: "P60D", timeBeforeExpiry: undefined },
    ]);
    await expectKeyVaultError(otherSub.restoreKeyBackup(blob), 400, "BadParameter");
    await expectKeyVaultError(keys.restoreKeyBackup(blob), 409, "Conflict");
  });
});

describe("rotation", () => {
  it("returns the default policy, stores a new one and rotates with its expiry", async () => {
    const name = uniqueName("rotate");
    const original = await keys.createEcKey(name, { curve: "P-384" });
    const defaults = await keys.getKeyRotationPolicy(name);
    expect(defaults.id).toBe(`${emulator.vaultUri("keys")}keys/${name}/rotationpolicy`);
    expect(defaults.lifetimeActions).toEqual([
      { action: "Notify", timeAfterCreate: undefined, timeBeforeExpiry: "P30D" },
    ]);

    const policy = await keys.updateKeyRotationPolicy(name, {
      lifetimeActions: [
        { action: "Rotate", timeAfterCreate: "P90D" },
        { action: "Notify", timeBeforeExpiry: "P30D" },
      ],
      expiresIn: "P1Y",
    });
    expect(policy.expiresIn).toBe("P1Y");
    expect(policy.createdOn).toBeInstanceOf(Date);
    expect((await keys.getKeyRotationPolicy(name)).lifetimeActions).toHaveLength(2);
    await expectKeyVaultError(keys.updateKeyRotationPolicy(name, { expiresIn: "P7D" }), 400, "BadParameter");

    const rotated = await keys.rotateKey(name);
    expect(rotated.properties.version).not.toBe(original.properties.version);
    expect(rotated.key?.crv).toBe("P-384");
    expect(Buffer.from(rotated.key?.x as Uint8Array)).not.toEqual(Buffer.from(original.key?.x as Uint8Array));
    const expires = rotated.properties.expiresOn?.getTime() ?? 0;
    expect(Math.abs(expires - (Date.now() + 365 * 86_400_000))).toBeLessThan(120_000);
    expect(await collect(keys.listPropertiesOfKeyVersions(name))).toHaveLength(2);
    expect(emulator.stats("keys").keysRotated).toBeGreaterThanOrEqual(1);
  });
});

describe("cryptography", () => {
  it("encrypts, decrypts, wraps, unwraps, signs and verifies with RSA keys", async () => {
    const name = uniqueName("crypto");
    const key = await keys.createRsaKey(name);
    const crypto = new CryptographyClient(key.id as string, credential, clientOptions(emulator));
    const plaintext = Buffer.from("attack at dawn");
    for (const algorithm of ["RSA-OAEP", "RSA-OAEP-256"] as const) {
      const encrypted = await crypto.encrypt({ algorithm, plaintext });
      const decrypted = await crypto.decrypt({ algorithm, ciphertext: encrypted.result });
      expect(Buffer.from(decrypted.result).toString()).toBe("attack at dawn");
    }
    const wrapped = await crypto.wrapKey("RSA-OAEP", Buffer.alloc(32, 7));
    expect(Buffer.from((await crypto.unwrapKey("RSA-OAEP", wrapped.result)).result)).toEqual(
      Buffer.alloc(32, 7),
    );

    const data = Buffer.from("signed data");
    const digest = createHash("sha256").update(data).digest();
    const signed = await crypto.sign("RS256", digest);
    expect(
      verifySignature("sha256", data, publicKeyOf(key.key as JsonWebKey), Buffer.from(signed.result)),
    ).toBe(true);
    expect((await crypto.verify("RS256", digest, signed.result)).result).toBe(true);
    expect((await crypto.verify("RS256", Buffer.alloc(32), signed.result)).result).toBe(false);

    await keys.updateKeyProperties(name, key.properties.version as string, { enabled: false });
    await expectKeyVaultError(crypto.sign("RS256", digest), 403, "Forbidden", "KeyDisabled");
  });

  it("returns random bytes", async () => {
    const bytes = await keys.getRandomBytes(32);
    expect(bytes).toHaveLength(32);
  });
});
