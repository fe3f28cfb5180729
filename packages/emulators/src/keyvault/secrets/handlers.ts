import { MAX_BACKUP_VERSIONS, openBackup, sealBackup } from "../backup-blob.js";
import { PEM_CONTENT_TYPE, PKCS12_CONTENT_TYPE } from "../certificates/model.js";
import { pfxToPem } from "../certificates/x509.js";
import { type HandlerResult, ok, type RequestContext } from "../server/context.js";
import { badParameter, conflict, deletedButRecoverable, forbidden } from "../server/errors.js";
import { asObject, optString, optTags, reqString } from "../server/json-input.js";
import {
  type AttributeInput,
  applyAttributeInput,
  attributesJson,
  newAttributes,
  type ObjectAttributes,
  readAttributeInput,
} from "../state/attributes.js";
import { assertObjectName, newVersionId } from "../state/ids.js";
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
import {
  MAX_CONTENT_TYPE_LENGTH,
  MAX_SECRET_VALUE_BYTES,
  type SecretMeta,
  type SecretVersion,
} from "./model.js";

type SecretObject = StoredObject<SecretVersion, SecretMeta>;

// ---- rendering -------------------------------------------------------------------------

export function secretBundle(vault: VaultState, object: SecretObject, v: SecretVersion, withValue: boolean) {
  const json: Record<string, unknown> = {};
  if (withValue) json.value = v.value;
  json.id = vault.id("secrets", object.name, v.version);
  if (v.contentType !== undefined) json.contentType = v.contentType;
  json.attributes = attributesJson(v.attributes, vault.recovery);
  if (v.tags !== undefined) json.tags = v.tags;
  if (v.managed) {
    json.kid = vault.id("keys", object.name, v.version);
    json.managed = true;
  }
  return json;
}

function secretItem(vault: VaultState, object: SecretObject, v: SecretVersion, withVersion: boolean) {
  const json: Record<string, unknown> = {
    id: withVersion ? vault.id("secrets", object.name, v.version) : vault.id("secrets", object.name),
    attributes: attributesJson(v.attributes, vault.recovery),
  };
  if (v.tags !== undefined) json.tags = v.tags;
  if (v.contentType !== undefined) json.contentType = v.contentType;
  if (v.managed) json.managed = true;
  return json;
}

export const SECRET_OPS: ObjectKindOps<SecretVersion, SecretMeta> = {
  kind: "secret",
  collection: "secrets",
  deletedCollection: "deletedsecrets",
  store: (vault) => vault.secrets,
  bundle: (vault, object, v) => secretBundle(vault, object, v, false),
  item: secretItem,
  isManaged: (object) => object.versions[0]?.managed === true,
};

// ---- validation ------------------------------------------------------------------------

function validateContentType(contentType: string | undefined): void {
  if (contentType !== undefined && contentType.length > MAX_CONTENT_TYPE_LENGTH) {
    throw badParameter(`The content type must not be longer than ${MAX_CONTENT_TYPE_LENGTH} characters.`);
  }
}

function validateValue(value: string): void {
  if (Buffer.byteLength(value, "utf8") > MAX_SECRET_VALUE_BYTES) {
    throw badParameter(`The secret value exceeds the maximum size of ${MAX_SECRET_VALUE_BYTES} bytes.`);
  }
}

// ---- writes shared with seeding and certificates ----------------------------------------

export interface NewSecret {
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: AttributeInput;
  managed?: boolean;
  version?: string;
  /** Attributes to copy as they are (certificate versions). */
  exactAttributes?: ObjectAttributes;
}

/** Adds a secret version after the service's checks; returns the object and version. */
export function writeSecret(
  vault: VaultState,
  name: string,
  input: NewSecret,
): { object: SecretObject; v: SecretVersion } {
  assertObjectName(name);
  validateValue(input.value);
  validateContentType(input.contentType);
  if (vault.secrets.getDeleted(name)) throw deletedButRecoverable("secret", name);
  const existing = vault.secrets.get(name);
  if (existing && !input.managed) refuseManaged(SECRET_OPS, existing, "set");
  const v: SecretVersion = {
    version: input.version ?? newVersionId(),
    value: input.value,
    attributes: input.exactAttributes ? { ...input.exactAttributes } : newAttributes(input.attributes ?? {}),
  };
  if (input.contentType !== undefined) v.contentType = input.contentType;
  if (input.tags !== undefined) v.tags = input.tags;
  if (input.managed) v.managed = true;
  const object = vault.secrets.addVersion(name, v);
  return { object, v };
}

// ---- operations ------------------------------------------------------------------------

export function setSecret(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const body = asObject(ctx.body);
  const input: NewSecret = { value: reqString(body, "value"), attributes: readAttributeInput(body) };
  const contentType = optString(body, "contentType");
  if (contentType !== undefined) input.contentType = contentType;
  const tags = optTags(body);
  if (tags !== undefined) input.tags = tags;
  const { object, v } = writeSecret(ctx.vault, name, input);
  ctx.vault.stats.secretVersionsCreated++;
  return ok(secretBundle(ctx.vault, object, v, true));
}

export function getSecret(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const version = versionOf(ctx);
  const object = findLive(SECRET_OPS, ctx.vault, name);
  const v = findVersion(SECRET_OPS, object, name, version);
  if (!v.attributes.enabled) {
    throw forbidden("Operation get is not allowed on a disabled secret.", "SecretDisabled");
  }
  const bundle = secretBundle(ctx.vault, object, v, true);
  const outContentType = ctx.query.get("outContentType");
  if (outContentType !== null && outContentType !== "" && outContentType !== v.contentType) {
    if (outContentType !== PKCS12_CONTENT_TYPE && outContentType !== PEM_CONTENT_TYPE) {
      throw badParameter(`The outContentType '${outContentType}' is not supported.`);
    }
    if (!(v.managed && v.contentType === PKCS12_CONTENT_TYPE && outContentType === PEM_CONTENT_TYPE)) {
      throw badParameter(
        `Conversion from '${v.contentType ?? "none"}' to '${outContentType}' is not supported; only PFX to PEM for certificate secrets.`,
      );
    }
    bundle.value = pfxToPem(v.value);
    bundle.contentType = PEM_CONTENT_TYPE;
  }
  return ok(bundle);
}

export function updateSecret(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(SECRET_OPS, ctx.vault, name);
  refuseManaged(SECRET_OPS, object, "update");
  const v = findVersion(SECRET_OPS, object, name, versionOf(ctx));
  const body = asObject(ctx.body);
  const contentType = optString(body, "contentType");
  validateContentType(contentType);
  const tags = optTags(body);
  applyAttributeInput(v.attributes, readAttributeInput(body));
  if (contentType !== undefined) v.contentType = contentType;
  if (tags !== undefined) v.tags = tags;
  return ok(secretBundle(ctx.vault, object, v, false));
}

export const deleteSecret = (ctx: RequestContext) => deleteStandalone(ctx, SECRET_OPS);
export const getSecrets = (ctx: RequestContext) => listObjects(ctx, SECRET_OPS);
export const getSecretVersions = (ctx: RequestContext) => listVersions(ctx, SECRET_OPS);
export const getDeletedSecrets = (ctx: RequestContext) => listDeleted(ctx, SECRET_OPS);
export const getDeletedSecret = (ctx: RequestContext) => getDeleted(ctx, SECRET_OPS);
export const purgeDeletedSecret = (ctx: RequestContext) => purgeDeleted(ctx, SECRET_OPS);
export const recoverDeletedSecret = (ctx: RequestContext) => recoverDeleted(ctx, SECRET_OPS);

// ---- backup and restore ----------------------------------------------------------------

export interface SecretBackup {
  name: string;
  versions: SecretVersion[];
}

export function secretBackupOf(object: SecretObject): SecretBackup {
  if (object.versions.length > MAX_BACKUP_VERSIONS) {
    throw badParameter(`Backup is not supported for objects with more than ${MAX_BACKUP_VERSIONS} versions.`);
  }
  return { name: object.name, versions: object.versions };
}

export function secretFromBackup(vault: VaultState, backup: SecretBackup): SecretObject {
  const object = vault.secrets.ensure(backup.name);
  for (const v of backup.versions) {
    const copy: SecretVersion = { ...v, attributes: { ...v.attributes } };
    object.versions.push(copy);
    object.byVersion.set(copy.version, copy);
  }
  return object;
}

/** Refuses a restore or create over a name that is live or deleted-but-recoverable. */
export function assertNameFree(
  vault: VaultState,
  kind: "secret" | "key" | "certificate",
  name: string,
): void {
  const store = kind === "secret" ? vault.secrets : kind === "key" ? vault.keys : vault.certificates;
  if (store.getDeleted(name)) throw deletedButRecoverable(kind, name);
  if (store.get(name)) throw conflict(`A ${kind} with name '${name}' already exists in this key vault.`);
}

export function backupSecret(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(SECRET_OPS, ctx.vault, name);
  refuseManaged(SECRET_OPS, object, "backup");
  return ok({ value: sealBackup(ctx.vault, "secret", secretBackupOf(object)) });
}

export function restoreSecret(ctx: RequestContext): HandlerResult {
  const vault = ctx.vault;
  const blob = reqString(asObject(ctx.body), "value");
  const backup = openBackup<SecretBackup>(vault, "secret", blob);
  assertNameFree(vault, "secret", backup.name);
  const object = secretFromBackup(vault, backup);
  vault.stats.itemsRestored++;
  return ok(secretBundle(vault, object, object.versions.at(-1) as SecretVersion, false));
}
