import { randomBytes } from "node:crypto";
import { MAX_BACKUP_VERSIONS, openBackup, sealBackup } from "../backup-blob.js";
import type { ThrottleClass } from "../options.js";
import { assertNameFree } from "../secrets/handlers.js";
import { type HandlerResult, ok, type RequestContext } from "../server/context.js";
import { badParameter, deletedButRecoverable, forbidden, notImplemented } from "../server/errors.js";
import {
  asObject,
  type JsonObject,
  optBoolean,
  optInteger,
  optObject,
  optString,
  optStringArray,
  optTags,
  reqString,
} from "../server/json-input.js";
import {
  applyAttributeInput,
  attributesJson,
  newAttributes,
  nowSeconds,
  outsideValidity,
  readAttributeInput,
} from "../state/attributes.js";
import { newVersionId } from "../state/ids.js";
import {
  deleteStandalone,
  findLive,
  findVersion,
  getDeleted,
  listDeleted,
  listObjects,
  listVersions,
  nameOf,
  type ObjectKindOps,
  purgeDeleted,
  recoverDeleted,
  refuseManaged,
  versionOf,
} from "../state/lifecycle.js";
import type { StoredObject } from "../state/object-store.js";
import type { VaultState } from "../state/vault.js";
import * as cryptoOps from "./crypto-operations.js";
import {
  CURVES,
  type CurveName,
  generateKeyMaterial,
  type KeyMaterial,
  type KeySpec,
  materialFromJwk,
  materialFromPrivateJwk,
  privateJwkOf,
  RSA_KEY_SIZES,
} from "./key-material.js";
import {
  DEFAULT_EC_KEY_OPS,
  DEFAULT_RSA_KEY_OPS,
  isHsm,
  KEY_OPERATIONS,
  KEY_TYPES,
  type KeyAttributes,
  type KeyMeta,
  type KeyType,
  type KeyVersion,
  type LifetimeAction,
  type ReleasePolicy,
  type RotationPolicy,
} from "./model.js";

type KeyObjectEntry = StoredObject<KeyVersion, KeyMeta>;

// ---- rendering -------------------------------------------------------------------------

function jsonWebKey(vault: VaultState, object: KeyObjectEntry, v: KeyVersion): Record<string, unknown> {
  return {
    kid: vault.id("keys", object.name, v.version),
    kty: v.kty,
    key_ops: v.keyOps,
    ...v.material.publicJwk,
  };
}

function keyAttributesJson(vault: VaultState, attributes: KeyAttributes): Record<string, unknown> {
  const json = attributesJson(attributes, vault.recovery);
  if (attributes.exportable !== undefined) json.exportable = attributes.exportable;
  return json;
}

export function keyBundle(vault: VaultState, object: KeyObjectEntry, v: KeyVersion): Record<string, unknown> {
  const json: Record<string, unknown> = {
    key: jsonWebKey(vault, object, v),
    attributes: keyAttributesJson(vault, v.attributes),
  };
  if (v.tags !== undefined) json.tags = v.tags;
  if (v.managed) json.managed = true;
  if (v.releasePolicy) json.release_policy = v.releasePolicy;
  return json;
}

function keyItem(vault: VaultState, object: KeyObjectEntry, v: KeyVersion, withVersion: boolean) {
  const json: Record<string, unknown> = {
    kid: withVersion ? vault.id("keys", object.name, v.version) : vault.id("keys", object.name),
    attributes: keyAttributesJson(vault, v.attributes),
  };
  if (v.tags !== undefined) json.tags = v.tags;
  if (v.managed) json.managed = true;
  return json;
}

export const KEY_OPS: ObjectKindOps<KeyVersion, KeyMeta> = {
  kind: "key",
  collection: "keys",
  deletedCollection: "deletedkeys",
  store: (vault) => vault.keys,
  bundle: keyBundle,
  item: keyItem,
  isManaged: (object) => object.versions[0]?.managed === true,
};

// ---- request parsing -------------------------------------------------------------------

function readKeyType(raw: string | undefined): KeyType {
  if (raw === undefined) throw badParameter("The 'kty' property is required.");
  if (!KEY_TYPES.includes(raw)) {
    if (raw === "oct" || raw === "oct-HSM") {
      throw badParameter(`Key type '${raw}' is only supported by Managed HSM, not by vaults.`);
    }
    throw badParameter(`The specified key type '${raw}' is not supported.`);
  }
  return raw as KeyType;
}

function readKeyOps(body: JsonObject, kty: KeyType): string[] {
  const ops = optStringArray(body, "key_ops");
  if (ops === undefined) return [...(kty.startsWith("RSA") ? DEFAULT_RSA_KEY_OPS : DEFAULT_EC_KEY_OPS)];
  for (const op of ops) {
    if (!KEY_OPERATIONS.includes(op)) throw badParameter(`Invalid key operation '${op}'.`);
  }
  return [...ops];
}

function readReleasePolicy(body: JsonObject): ReleasePolicy | undefined {
  const raw = optObject(body, "release_policy");
  if (!raw) return undefined;
  const policy: ReleasePolicy = {};
  const contentType = optString(raw, "contentType");
  const immutable = optBoolean(raw, "immutable");
  const data = optString(raw, "data");
  policy.contentType = contentType ?? "application/json; charset=utf-8";
  if (immutable !== undefined) policy.immutable = immutable;
  if (data !== undefined) policy.data = data;
  return policy;
}

function readKeyAttributes(body: JsonObject): {
  input: ReturnType<typeof readAttributeInput>;
  exportable?: boolean;
} {
  const input = readAttributeInput(body);
  const raw = optObject(body, "attributes");
  const exportable = raw ? optBoolean(raw, "exportable") : undefined;
  return exportable === undefined ? { input } : { input, exportable };
}

/** What a create request asks for, after the service's defaults and checks. */
export function keySpecOf(kty: KeyType, body: JsonObject): KeySpec {
  if (kty.startsWith("RSA")) {
    const keySize = optInteger(body, "key_size") ?? 2048;
    if (!RSA_KEY_SIZES.includes(keySize)) {
      throw badParameter(`The key size ${keySize} is not supported for RSA keys; use 2048, 3072 or 4096.`);
    }
    const publicExponent = optInteger(body, "public_exponent") ?? 65537;
    if (publicExponent < 3 || publicExponent % 2 === 0)
      throw badParameter("The public exponent must be an odd number ≥ 3.");
    return { family: "RSA", keySize, publicExponent };
  }
  const crv = optString(body, "crv") ?? "P-256";
  if (!CURVES.includes(crv as CurveName)) throw badParameter(`The curve '${crv}' is not supported.`);
  return { family: "EC", curve: crv as CurveName };
}

/** Throttle class of a key write: HSM and software keys have separate CREATE limits. */
export function keyCreateClass(ctx: RequestContext): ThrottleClass {
  if (ctx.segments[2] === "rotate") {
    const kty = ctx.vault.keys.get(ctx.segments[1] ?? "")?.versions.at(-1)?.kty;
    return kty && isHsm(kty) ? "hsmKeyCreate" : "keyCreate";
  }
  const body = ctx.body;
  let kty: unknown;
  if (typeof body === "object" && body !== null) {
    const record = body as JsonObject;
    kty = record.kty;
    const key = record.key;
    if (kty === undefined && typeof key === "object" && key !== null) kty = (key as JsonObject).kty;
    if (record.Hsm === true) return "hsmKeyCreate";
  }
  return typeof kty === "string" && kty.endsWith("-HSM") ? "hsmKeyCreate" : "keyCreate";
}

// ---- writes shared with certificates ---------------------------------------------------

function assertWritable(vault: VaultState, name: string, managed: boolean, operation: string): void {
  if (vault.keys.getDeleted(name)) throw deletedButRecoverable("key", name);
  const existing = vault.keys.get(name);
  if (existing && !managed) refuseManaged(KEY_OPS, existing, operation);
}

export interface NewKeyVersion {
  kty: KeyType;
  keyOps: string[];
  material: KeyMaterial;
  attributes: KeyAttributes;
  tags?: Record<string, string>;
  releasePolicy?: ReleasePolicy;
  managed?: boolean;
  version?: string;
}

export function writeKey(
  vault: VaultState,
  name: string,
  input: NewKeyVersion,
): { object: KeyObjectEntry; v: KeyVersion } {
  assertWritable(vault, name, input.managed === true, "create");
  const v: KeyVersion = {
    version: input.version ?? newVersionId(),
    kty: input.kty,
    keyOps: input.keyOps,
    material: input.material,
    attributes: input.attributes,
  };
  if (input.tags !== undefined) v.tags = input.tags;
  if (input.releasePolicy !== undefined) v.releasePolicy = input.releasePolicy;
  if (input.managed) v.managed = true;
  return { object: vault.keys.addVersion(name, v), v };
}

function checkExportable(
  vault: VaultState,
  name: string,
  exportable: boolean | undefined,
  policy?: ReleasePolicy,
) {
  if (!exportable) return;
  const previous = vault.keys.get(name)?.versions.at(-1)?.releasePolicy;
  if (!policy && !previous) {
    throw badParameter(
      "Release policy must be provided when creating the first version of an exportable key.",
    );
  }
}

// ---- operations ------------------------------------------------------------------------

export async function createKey(ctx: RequestContext): Promise<HandlerResult> {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const body = asObject(ctx.body);
  const kty = readKeyType(optString(body, "kty"));
  const spec = keySpecOf(kty, body);
  const keyOps = readKeyOps(body, kty);
  const { input, exportable } = readKeyAttributes(body);
  const tags = optTags(body);
  const releasePolicy = readReleasePolicy(body);
  checkExportable(vault, name, exportable, releasePolicy);
  assertWritable(vault, name, false, "create");
  const material = await generateKeyMaterial(spec);
  const attributes: KeyAttributes = newAttributes(input);
  if (exportable !== undefined) attributes.exportable = exportable;
  const request: NewKeyVersion = { kty, keyOps, material, attributes };
  if (tags !== undefined) request.tags = tags;
  if (releasePolicy !== undefined) request.releasePolicy = releasePolicy;
  const { object, v } = writeKey(vault, name, request);
  vault.stats.keysCreated++;
  vault.stats.keyVersionsCreated++;
  return ok(keyBundle(vault, object, v));
}

export function importKey(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const body = asObject(ctx.body);
  const jwk = optObject(body, "key");
  if (!jwk) throw badParameter("The 'key' property is required.");
  const declared = readKeyType(optString(jwk, "kty"));
  const hsm = optBoolean(body, "Hsm") === true || isHsm(declared);
  const family = declared.startsWith("RSA") ? "RSA" : "EC";
  const kty = (hsm ? `${family}-HSM` : family) as KeyType;
  const material = materialFromJwk(jwk, family);
  const keyOps = readKeyOps(jwk, kty);
  const { input, exportable } = readKeyAttributes(body);
  const tags = optTags(body);
  const releasePolicy = readReleasePolicy(body);
  checkExportable(vault, name, exportable, releasePolicy);
  const attributes: KeyAttributes = newAttributes(input);
  if (exportable !== undefined) attributes.exportable = exportable;
  const request: NewKeyVersion = { kty, keyOps, material, attributes };
  if (tags !== undefined) request.tags = tags;
  if (releasePolicy !== undefined) request.releasePolicy = releasePolicy;
  const { object, v } = writeKey(vault, name, request);
  vault.stats.keysImported++;
  vault.stats.keyVersionsCreated++;
  return ok(keyBundle(vault, object, v));
}

export function getKey(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(KEY_OPS, ctx.vault, name);
  return ok(keyBundle(ctx.vault, object, findVersion(KEY_OPS, object, name, versionOf(ctx))));
}

export function updateKey(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(KEY_OPS, ctx.vault, name);
  refuseManaged(KEY_OPS, object, "update");
  const v = findVersion(KEY_OPS, object, name, versionOf(ctx));
  const body = asObject(ctx.body);
  const keyOps = optStringArray(body, "key_ops") === undefined ? undefined : readKeyOps(body, v.kty);
  const { input } = readKeyAttributes(body);
  const tags = optTags(body);
  const releasePolicy = readReleasePolicy(body);
  if (releasePolicy && v.releasePolicy?.immutable) {
    throw badParameter("The release policy of this key is immutable and cannot be changed.");
  }
  applyAttributeInput(v.attributes, input);
  if (keyOps !== undefined) v.keyOps = keyOps;
  if (tags !== undefined) v.tags = tags;
  if (releasePolicy !== undefined) v.releasePolicy = releasePolicy;
  return ok(keyBundle(ctx.vault, object, v));
}

export const deleteKey = (ctx: RequestContext) => deleteStandalone(ctx, KEY_OPS);
export const getKeys = (ctx: RequestContext) => listObjects(ctx, KEY_OPS);
export const getKeyVersions = (ctx: RequestContext) => listVersions(ctx, KEY_OPS);
export const getDeletedKeys = (ctx: RequestContext) => listDeleted(ctx, KEY_OPS);
export const getDeletedKey = (ctx: RequestContext) => getDeleted(ctx, KEY_OPS);
export const purgeDeletedKey = (ctx: RequestContext) => purgeDeleted(ctx, KEY_OPS);
export const recoverDeletedKey = (ctx: RequestContext) => recoverDeleted(ctx, KEY_OPS);

export async function rotateKey(ctx: RequestContext): Promise<HandlerResult> {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const object = findLive(KEY_OPS, vault, name);
  refuseManaged(KEY_OPS, object, "rotate");
  const latest = object.versions.at(-1) as KeyVersion;
  const spec: KeySpec =
    latest.material.family === "RSA"
      ? {
          family: "RSA",
          keySize: latest.material.keySize ?? 2048,
          publicExponent: Number.parseInt(
            Buffer.from((latest.material.publicJwk as { e: string }).e, "base64url").toString("hex"),
            16,
          ),
        }
      : { family: "EC", curve: latest.material.curve ?? "P-256" };
  const material = await generateKeyMaterial(spec);
  const now = nowSeconds();
  const attributes: KeyAttributes = newAttributes({}, now);
  if (latest.attributes.exportable !== undefined) attributes.exportable = latest.attributes.exportable;
  const expiryDays = durationDays(object.meta.rotationPolicy?.expiryTime);
  if (expiryDays !== undefined) attributes.exp = now + expiryDays * 86_400;
  const request: NewKeyVersion = { kty: latest.kty, keyOps: [...latest.keyOps], material, attributes };
  if (latest.tags !== undefined) request.tags = { ...latest.tags };
  if (latest.releasePolicy !== undefined) request.releasePolicy = latest.releasePolicy;
  const { v } = writeKey(vault, object.name, request);
  vault.stats.keysRotated++;
  vault.stats.keyVersionsCreated++;
  return ok(keyBundle(vault, object, v));
}

// ---- rotation policy -------------------------------------------------------------------

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** Days in an ISO 8601 date duration (`P90D`, `P1Y`, `P3M`), months as 30 days. */
export function durationDays(duration: string | undefined): number | undefined {
  if (duration === undefined) return undefined;
  const match = DURATION.exec(duration);
  if (!match || duration === "P") return undefined;
  const [, years, months, weeks, days] = match;
  return Number(years ?? 0) * 365 + Number(months ?? 0) * 30 + Number(weeks ?? 0) * 7 + Number(days ?? 0);
}

function rotationPolicyJson(vault: VaultState, object: KeyObjectEntry): Record<string, unknown> {
  const id = `${vault.id("keys", object.name)}/rotationpolicy`;
  const policy = object.meta.rotationPolicy;
  if (!policy) {
    return {
      id,
      lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }],
      attributes: {},
    };
  }
  const attributes: Record<string, unknown> = {};
  if (policy.expiryTime !== undefined) attributes.expiryTime = policy.expiryTime;
  attributes.created = policy.created;
  attributes.updated = policy.updated;
  return { id, lifetimeActions: policy.lifetimeActions, attributes };
}

function readLifetimeAction(raw: unknown): LifetimeAction {
  const entry = asObject(raw, "lifetime action");
  const trigger = optObject(entry, "trigger") ?? {};
  const action = optObject(entry, "action") ?? {};
  const type = optString(action, "type")?.toLowerCase();
  if (type !== "rotate" && type !== "notify")
    throw badParameter("A lifetime action type must be 'Rotate' or 'Notify'.");
  const timeAfterCreate = optString(trigger, "timeAfterCreate");
  const timeBeforeExpiry = optString(trigger, "timeBeforeExpiry");
  if ((timeAfterCreate === undefined) === (timeBeforeExpiry === undefined)) {
    throw badParameter(
      "A lifetime action trigger needs exactly one of 'timeAfterCreate' and 'timeBeforeExpiry'.",
    );
  }
  if (type === "notify" && timeAfterCreate !== undefined) {
    throw badParameter("A 'Notify' action can only be triggered by 'timeBeforeExpiry'.");
  }
  for (const duration of [timeAfterCreate, timeBeforeExpiry]) {
    if (duration === undefined) continue;
    const days = durationDays(duration);
    if (days === undefined) throw badParameter(`'${duration}' is not an ISO 8601 duration.`);
    if (days < 7) throw badParameter("A lifetime action trigger must be at least 7 days (P7D).");
  }
  const result: LifetimeAction = { trigger: {}, action: { type: type === "rotate" ? "Rotate" : "Notify" } };
  if (timeAfterCreate !== undefined) result.trigger.timeAfterCreate = timeAfterCreate;
  if (timeBeforeExpiry !== undefined) result.trigger.timeBeforeExpiry = timeBeforeExpiry;
  return result;
}

export function getKeyRotationPolicy(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  return ok(rotationPolicyJson(ctx.vault, findLive(KEY_OPS, ctx.vault, name)));
}

export function updateKeyRotationPolicy(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(KEY_OPS, ctx.vault, name);
  refuseManaged(KEY_OPS, object, "update");
  const body = asObject(ctx.body);
  const lifetimeActions = (Array.isArray(body.lifetimeActions) ? body.lifetimeActions : []).map(
    readLifetimeAction,
  );
  if (lifetimeActions.length > 2) throw badParameter("A rotation policy has at most two lifetime actions.");
  const attributes = optObject(body, "attributes") ?? {};
  const expiryTime = optString(attributes, "expiryTime");
  if (expiryTime !== undefined) {
    const days = durationDays(expiryTime);
    if (days === undefined) throw badParameter(`'${expiryTime}' is not an ISO 8601 duration.`);
    if (days < 28)
      throw badParameter("The expiry time of a rotation policy must be at least 28 days (P28D).");
  }
  const now = nowSeconds();
  const policy: RotationPolicy = {
    lifetimeActions,
    created: object.meta.rotationPolicy?.created ?? now,
    updated: now,
  };
  if (expiryTime !== undefined) policy.expiryTime = expiryTime;
  object.meta.rotationPolicy = policy;
  return ok(rotationPolicyJson(ctx.vault, object));
}

// ---- cryptography ----------------------------------------------------------------------

type CryptoOperation = "encrypt" | "decrypt" | "sign" | "verify" | "wrapKey" | "unwrapKey";

/** Operations that keep working outside the nbf/exp window, as the service documents. */
const ALLOWED_OUTSIDE_VALIDITY = new Set<CryptoOperation>(["decrypt", "unwrapKey", "verify"]);

function usableKey(
  ctx: RequestContext,
  operation: CryptoOperation,
): { object: KeyObjectEntry; v: KeyVersion } {
  const name = nameOf(ctx);
  const object = findLive(KEY_OPS, ctx.vault, name);
  const v = findVersion(KEY_OPS, object, name, versionOf(ctx));
  if (!v.attributes.enabled)
    throw forbidden(`Operation ${operation} is not allowed on a disabled key.`, "KeyDisabled");
  if (!v.keyOps.includes(operation)) throw forbidden(`Operation ${operation} is not permitted on this key.`);
  const window = outsideValidity(v.attributes);
  if (window && !ALLOWED_OUTSIDE_VALIDITY.has(operation)) {
    throw forbidden(
      window === "expired"
        ? `Operation ${operation} is not allowed on an expired key.`
        : `Operation ${operation} is not allowed on a key that is not yet valid.`,
    );
  }
  return { object, v };
}

function base64urlField(body: JsonObject, key: string): Buffer {
  return Buffer.from(reqString(body, key), "base64url");
}

function operationResult(ctx: RequestContext, object: KeyObjectEntry, v: KeyVersion, value: Buffer) {
  return ok({ kid: ctx.vault.id("keys", object.name, v.version), value: value.toString("base64url") });
}

export function keyOperation(operation: CryptoOperation) {
  return (ctx: RequestContext): HandlerResult => {
    const { object, v } = usableKey(ctx, operation);
    const body = asObject(ctx.body);
    const algorithm = reqString(body, "alg");
    switch (operation) {
      case "encrypt":
      case "wrapKey":
        return operationResult(
          ctx,
          object,
          v,
          cryptoOps.encrypt(v.material, algorithm, base64urlField(body, "value")),
        );
      case "decrypt":
      case "unwrapKey":
        return operationResult(
          ctx,
          object,
          v,
          cryptoOps.decrypt(v.material, algorithm, base64urlField(body, "value")),
        );
      case "sign":
        return operationResult(
          ctx,
          object,
          v,
          cryptoOps.sign(v.material, algorithm, base64urlField(body, "value")),
        );
      case "verify":
        return ok({
          value: cryptoOps.verify(
            v.material,
            algorithm,
            base64urlField(body, "digest"),
            base64urlField(body, "value"),
          ),
        });
    }
  };
}

export function releaseKey(): HandlerResult {
  throw notImplemented("Secure key release");
}

export function getKeyAttestation(): HandlerResult {
  throw notImplemented("Key attestation");
}

export function getRandomBytes(ctx: RequestContext): HandlerResult {
  const count = optInteger(asObject(ctx.body), "count");
  if (count === undefined || count < 1 || count > 128)
    throw badParameter("The 'count' must be between 1 and 128.");
  return ok({ value: randomBytes(count).toString("base64url") });
}

// ---- backup and restore ----------------------------------------------------------------

export interface KeyBackup {
  name: string;
  rotationPolicy?: RotationPolicy;
  versions: (Omit<KeyVersion, "material"> & { privateJwk: ReturnType<typeof privateJwkOf> })[];
}

export function keyBackupOf(object: KeyObjectEntry): KeyBackup {
  if (object.versions.length > MAX_BACKUP_VERSIONS) {
    throw badParameter(`Backup is not supported for objects with more than ${MAX_BACKUP_VERSIONS} versions.`);
  }
  const backup: KeyBackup = {
    name: object.name,
    versions: object.versions.map(({ material, ...rest }) => ({
      ...rest,
      privateJwk: privateJwkOf(material),
    })),
  };
  if (object.meta.rotationPolicy) backup.rotationPolicy = object.meta.rotationPolicy;
  return backup;
}

export function keyFromBackup(vault: VaultState, backup: KeyBackup): KeyObjectEntry {
  const object = vault.keys.ensure(backup.name);
  for (const { privateJwk, ...rest } of backup.versions) {
    const v: KeyVersion = {
      ...rest,
      attributes: { ...rest.attributes },
      material: materialFromPrivateJwk(privateJwk),
    };
    object.versions.push(v);
    object.byVersion.set(v.version, v);
  }
  if (backup.rotationPolicy) object.meta.rotationPolicy = backup.rotationPolicy;
  return object;
}

export function backupKey(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(KEY_OPS, ctx.vault, name);
  refuseManaged(KEY_OPS, object, "backup");
  return ok({ value: sealBackup(ctx.vault, "key", keyBackupOf(object)) });
}

export function restoreKey(ctx: RequestContext): HandlerResult {
  const vault = ctx.vault;
  const backup = openBackup<KeyBackup>(vault, "key", reqString(asObject(ctx.body), "value"));
  assertNameFree(vault, "key", backup.name);
  const object = keyFromBackup(vault, backup);
  vault.stats.itemsRestored++;
  return ok(keyBundle(vault, object, object.versions.at(-1) as KeyVersion));
}
