import { createHash } from "node:crypto";
import type {
  JsonWebKey,
  KeyRotationPolicy,
  KeyVaultKey,
  KeyProperties as SdkKeyProperties,
} from "@azure/keyvault-keys";
import type { AbortSignalLike } from "@dataplane/core";
import { filterDefined, mapInOrder } from "@dataplane/core";
import {
  itemKey,
  type KeyItem,
  type KeyReleasePolicyJson,
  type KeyRotationPolicyJson,
  type KeyVersionProperties,
} from "../items.js";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { isNotFound } from "../vault/errors.js";
import { defined, stableJson, tagsOf } from "../vault/json.js";
import { attributesOf, historyOrder, objectId, versionOfId } from "./attributes.js";

export function keyVersionOf(p: SdkKeyProperties): KeyVersionProperties {
  return { version: p.version ?? versionOfId(p.id) ?? "", ...attributesOf(p), tags: tagsOf(p.tags) };
}

/** RSA modulus size in bits (JWK `n` is big-endian, without sign byte, but tolerate one). */
function rsaKeySize(n: Uint8Array | undefined): number | undefined {
  if (!n || n.length === 0) return undefined;
  const bytes = n[0] === 0 ? n.length - 1 : n.length;
  return bytes * 8;
}

export function rotationPolicyOf(policy: KeyRotationPolicy | undefined): KeyRotationPolicyJson | undefined {
  // A key without a policy still answers one (notify 30 days before expiry) but with no dates.
  if (!policy || (!policy.createdOn && !policy.updatedOn)) return undefined;
  const lifetimeActions = (policy.lifetimeActions ?? []).map((a) =>
    defined({ action: a.action, timeAfterCreate: a.timeAfterCreate, timeBeforeExpiry: a.timeBeforeExpiry }),
  );
  if (lifetimeActions.length === 0 && !policy.expiresIn) return undefined;
  return { ...defined({ expiresIn: policy.expiresIn }), lifetimeActions };
}

function releasePolicyOf(p: SdkKeyProperties["releasePolicy"]): KeyReleasePolicyJson | undefined {
  if (!p) return undefined;
  return defined({
    contentType: p.contentType,
    immutable: p.immutable,
    encodedPolicy: p.encodedPolicy ? Buffer.from(p.encodedPolicy).toString("base64") : undefined,
  });
}

/** Big-endian bytes without leading zero bytes, base64url (a JWK may carry a sign byte). */
function unsigned(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start)).toString("base64url");
}

/** SHA-256 of a JWK's public part (RSA n/e, EC crv/x/y); undefined for symmetric keys. */
export function publicKeySha256(jwk: JsonWebKey | undefined): string | undefined {
  if (!jwk) return undefined;
  let publicPart: object | undefined;
  if (jwk.n && jwk.e) publicPart = { kty: "RSA", n: unsigned(jwk.n), e: unsigned(jwk.e) };
  else if (jwk.x && jwk.y) publicPart = { kty: "EC", crv: jwk.crv, x: unsigned(jwk.x), y: unsigned(jwk.y) };
  return publicPart ? createHash("sha256").update(stableJson(publicPart)).digest("hex") : undefined;
}

/** Key parameters (type, size or curve, operations…) from a key's current version. */
export function keyParametersOf(key: KeyVaultKey) {
  const kty = key.keyType ?? key.key?.kty ?? "RSA";
  const isRsa = kty.startsWith("RSA");
  const isEc = kty.startsWith("EC");
  return {
    keyType: kty,
    ...defined({
      keySize: isRsa ? rsaKeySize(key.key?.n) : undefined,
      curve: isEc ? key.key?.crv : undefined,
    }),
    keyOps: [...(key.keyOperations ?? key.key?.keyOps ?? [])].map(String),
    exportable: key.properties.exportable === true,
    hsm: kty.endsWith("-HSM"),
    ...defined({
      hsmPlatform: key.properties.hsmPlatform,
      publicKeySha256: publicKeySha256(key.key),
      releasePolicy: releasePolicyOf(key.properties.releasePolicy),
    }),
  };
}

export async function readRotationPolicy(
  clients: VaultClients,
  name: string,
  signal?: AbortSignalLike,
): Promise<KeyRotationPolicyJson | undefined> {
  try {
    return rotationPolicyOf(await clients.keys.getKeyRotationPolicy(name, abortOptions(signal)));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Every version, in write order (`historyOrder`): `current` (what GET returns) last when given. */
export async function listKeyVersions(
  clients: VaultClients,
  name: string,
  signal?: AbortSignalLike,
  current?: string,
): Promise<KeyVersionProperties[]> {
  const versions: KeyVersionProperties[] = [];
  for await (const p of clients.keys.listPropertiesOfKeyVersions(name, abortOptions(signal))) {
    versions.push(keyVersionOf(p));
  }
  return historyOrder(versions, current);
}

/** Reads one key's parameters, rotation policy and (optionally) versions: never key material. */
export async function readKeyItem(
  clients: VaultClients,
  name: string,
  resourceId: string,
  options: { readonly versions: "latest" | "all"; readonly signal?: AbortSignalLike },
): Promise<KeyItem | undefined> {
  const abort = abortOptions(options.signal);
  let key: KeyVaultKey;
  try {
    key = await clients.keys.getKey(name, abort);
  } catch (error) {
    if (isNotFound(error)) return undefined; // deleted while we listed
    throw error;
  }
  const [rotationPolicy, versions] = await Promise.all([
    readRotationPolicy(clients, name, options.signal),
    options.versions === "all" ? listKeyVersions(clients, name, options.signal) : undefined,
  ]);
  const current = keyVersionOf(key.properties);
  const history = versions && current.version ? historyOrder(versions, current.version) : versions;
  return {
    kind: "key",
    key: itemKey.key(key.name),
    name: key.name,
    sourceResourceId: resourceId,
    properties: {
      ...current,
      id: current.version
        ? `${objectId(clients.vaultUrl, "keys", key.name)}/${current.version}`
        : objectId(clients.vaultUrl, "keys", key.name),
      vaultUrl: clients.vaultUrl,
      ...keyParametersOf(key),
      ...(rotationPolicy ? { rotationPolicy } : {}),
      ...(history ? { versions: history } : {}),
    },
  };
}

/** Streams the vault's keys; keys that back certificates (`managed: true`) are left out. */
export function discoverKeys(
  clients: VaultClients,
  resourceId: string,
  options: {
    readonly versions: "latest" | "all";
    readonly signal?: AbortSignalLike;
    readonly concurrency?: number;
  },
): AsyncIterable<KeyItem> {
  const abort = abortOptions(options.signal);
  async function* names(): AsyncIterable<string> {
    for await (const p of clients.keys.listPropertiesOfKeys(abort)) if (!p.managed) yield p.name;
  }
  return filterDefined(
    mapInOrder(names(), options.concurrency ?? 8, (name) => readKeyItem(clients, name, resourceId, options)),
  );
}
