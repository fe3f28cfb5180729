import { MAX_BACKUP_VERSIONS, openBackup, sealBackup } from "../backup-blob.js";
import { KEY_OPS, type KeyBackup, keyBackupOf, keyFromBackup, writeKey } from "../keys/handlers.js";
import { type CurveName, generateKeyMaterial, type KeyMaterial } from "../keys/key-material.js";
import { DEFAULT_EC_KEY_OPS, DEFAULT_RSA_KEY_OPS, type KeyType } from "../keys/model.js";
import {
  assertNameFree,
  SECRET_OPS,
  type SecretBackup,
  secretBackupOf,
  secretFromBackup,
  writeSecret,
} from "../secrets/handlers.js";
import { type HandlerResult, ok, type RequestContext } from "../server/context.js";
import { badParameter, conflict, deletedButRecoverable, KeyVaultError } from "../server/errors.js";
import {
  asObject,
  optArray,
  optBoolean,
  optObject,
  optString,
  optTags,
  reqString,
} from "../server/json-input.js";
import {
  applyAttributeInput,
  attributesJson,
  nowSeconds,
  type ObjectAttributes,
  readAttributeInput,
} from "../state/attributes.js";
import { newVersionId } from "../state/ids.js";
import {
  assertPurgeAllowed,
  deletedFields,
  deleteObject,
  findDeleted,
  findLive,
  findVersion,
  latestVisible,
  listDeleted,
  listObjects,
  listVersions,
  nameOf,
  type ObjectKindOps,
  purgeObject,
  recoverObject,
  versionOf,
} from "../state/lifecycle.js";
import type { StoredObject } from "../state/object-store.js";
import type { VaultState } from "../state/vault.js";
import {
  type CertificateMeta,
  type CertificateVersion,
  PEM_CONTENT_TYPE,
  type PendingOperation,
  PKCS12_CONTENT_TYPE,
  type StoredPolicy,
} from "./model.js";
import {
  mergePolicy,
  type PolicyInput,
  policyForCreate,
  policyForImport,
  policyJson,
  readPolicyInput,
} from "./policy.js";
import {
  buildPem,
  buildPfx,
  certificateMatchesKey,
  createCsr,
  createSelfSignedCertificate,
  describeCertificate,
  looksLikePem,
  parsePem,
  parsePfx,
  thumbprintOf,
} from "./x509.js";

type CertificateObject = StoredObject<CertificateVersion, CertificateMeta>;

// ---- rendering -------------------------------------------------------------------------

function policyOf(vault: VaultState, object: CertificateObject): Record<string, unknown> | undefined {
  return object.meta.policy
    ? policyJson(`${vault.id("certificates", object.name)}/policy`, object.meta.policy)
    : undefined;
}

function certificateBundle(
  vault: VaultState,
  object: CertificateObject,
  v: CertificateVersion,
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: vault.id("certificates", object.name, v.version),
    kid: vault.id("keys", object.name, v.version),
    sid: vault.id("secrets", object.name, v.version),
  };
  if (v.thumbprint) json.x5t = v.thumbprint.toString("base64url");
  if (v.der) json.cer = v.der.toString("base64");
  json.attributes = attributesJson(v.attributes, vault.recovery);
  if (v.tags !== undefined) json.tags = v.tags;
  const policy = policyOf(vault, object);
  if (policy) json.policy = policy;
  if (v.preserveCertOrder !== undefined) json.preserveCertOrder = v.preserveCertOrder;
  return json;
}

function certificateItem(
  vault: VaultState,
  object: CertificateObject,
  v: CertificateVersion,
  withVersion: boolean,
) {
  const json: Record<string, unknown> = {
    id: withVersion
      ? vault.id("certificates", object.name, v.version)
      : vault.id("certificates", object.name),
    attributes: attributesJson(v.attributes, vault.recovery),
  };
  if (v.tags !== undefined) json.tags = v.tags;
  if (v.thumbprint) json.x5t = v.thumbprint.toString("base64url");
  return json;
}

export const CERTIFICATE_OPS: ObjectKindOps<CertificateVersion, CertificateMeta> = {
  kind: "certificate",
  collection: "certificates",
  deletedCollection: "deletedcertificates",
  store: (vault) => vault.certificates,
  bundle: certificateBundle,
  item: certificateItem,
  visible: (v) => !v.pending,
  isManaged: () => false,
};

function operationJson(vault: VaultState, name: string, op: PendingOperation): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: `${vault.id("certificates", name)}/pending`,
    issuer: op.issuer,
  };
  if (op.csrDer) json.csr = op.csrDer.toString("base64");
  json.cancellation_requested = op.cancellationRequested;
  json.status = op.status;
  json.status_details = op.statusDetails;
  if (op.error) json.error = op.error;
  if (op.status === "completed") json.target = vault.id("certificates", name);
  if (op.preserveCertOrder !== undefined) json.preserveCertOrder = op.preserveCertOrder;
  json.request_id = op.requestId;
  return json;
}

// ---- shared checks ---------------------------------------------------------------------

/** A certificate owns a key and a secret of the same name; others may not hold that name. */
function assertCertificateNameUsable(vault: VaultState, name: string): void {
  if (vault.certificates.getDeleted(name)) throw deletedButRecoverable("certificate", name);
  const key = vault.keys.get(name);
  if (key && !KEY_OPS.isManaged(key)) {
    throw conflict(`Certificate ${name} conflicts with an existing key of the same name.`);
  }
  const secret = vault.secrets.get(name);
  if (secret && !SECRET_OPS.isManaged(secret)) {
    throw conflict(`Certificate ${name} conflicts with an existing secret of the same name.`);
  }
  if (vault.keys.getDeleted(name)) throw deletedButRecoverable("key", name);
  if (vault.secrets.getDeleted(name)) throw deletedButRecoverable("secret", name);
  if (vault.certificates.get(name)?.meta.pending?.status === "inProgress") {
    throw conflict(
      `There is a pending operation on certificate ${name}; complete, cancel or delete it first.`,
    );
  }
}

function keyTypeFor(policy: StoredPolicy, material: KeyMaterial): KeyType {
  const hsm = policy.key_props.kty.endsWith("-HSM");
  return `${material.family}${hsm ? "-HSM" : ""}` as KeyType;
}

function requireRsaForForge(policy: StoredPolicy, what: string): void {
  if (!policy.key_props.kty.startsWith("RSA")) {
    throw badParameter(
      `${what} with EC keys is not supported by the emulator; use an RSA key or import a PEM certificate.`,
    );
  }
}

// ---- completing a version --------------------------------------------------------------

interface Completion {
  version: string;
  material: KeyMaterial;
  leaf: Buffer;
  chain: Buffer[];
  policy: StoredPolicy;
  enabled?: boolean;
  tags?: Record<string, string>;
  preserveCertOrder?: boolean;
}

/** Writes the certificate version with its backing key and secret (same version id). */
function completeCertificate(vault: VaultState, name: string, completion: Completion): CertificateObject {
  const { version, material, leaf, chain, policy } = completion;
  const facts = describeCertificate(leaf);
  const now = nowSeconds();
  const attributes: ObjectAttributes = {
    enabled: completion.enabled ?? policy.attributes.enabled,
    nbf: Math.floor(facts.notBefore.getTime() / 1000),
    exp: Math.floor(facts.notAfter.getTime() / 1000),
    created: now,
    updated: now,
  };
  const certificates = [leaf, ...chain];
  const exportable = policy.key_props.exportable;
  const contentType = policy.secret_props.contentType;
  const value =
    contentType === PEM_CONTENT_TYPE
      ? buildPem(exportable ? material : undefined, certificates)
      : buildPfx(exportable ? material : undefined, certificates);

  const object = vault.certificates.ensure(name);
  const existing = object.byVersion.get(version);
  const certificate: CertificateVersion = existing ?? { version, chain: [], attributes };
  certificate.der = leaf;
  certificate.chain = chain;
  certificate.thumbprint = thumbprintOf(leaf);
  certificate.attributes = attributes;
  delete certificate.pending;
  if (completion.tags !== undefined) certificate.tags = completion.tags;
  if (completion.preserveCertOrder !== undefined)
    certificate.preserveCertOrder = completion.preserveCertOrder;
  if (!existing) vault.certificates.addVersion(name, certificate);
  object.meta.policy = policy;

  writeKey(vault, name, {
    version,
    kty: keyTypeFor(policy, material),
    keyOps: [...(material.family === "RSA" ? DEFAULT_RSA_KEY_OPS : DEFAULT_EC_KEY_OPS)],
    material,
    attributes: { ...attributes },
    managed: true,
  });
  writeSecret(vault, name, { version, value, contentType, managed: true, exactAttributes: attributes });
  vault.stats.certificateVersionsCreated++;
  return object;
}

// ---- create, import, merge -------------------------------------------------------------

function materialSpecOf(policy: StoredPolicy) {
  return policy.key_props.kty.startsWith("RSA")
    ? { family: "RSA" as const, keySize: policy.key_props.key_size ?? 2048, publicExponent: 65537 }
    : { family: "EC" as const, curve: (policy.key_props.crv ?? "P-256") as CurveName };
}

function reusableMaterial(vault: VaultState, name: string, policy: StoredPolicy): KeyMaterial | undefined {
  if (!policy.key_props.reuse_key) return undefined;
  const key = vault.keys.get(name)?.versions.at(-1);
  return key?.managed ? key.material : undefined;
}

export async function createCertificate(ctx: RequestContext): Promise<HandlerResult> {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const body = asObject(ctx.body);
  const rawPolicy = optObject(body, "policy");
  const existingPolicy = vault.certificates.get(name)?.meta.policy;
  let policy: StoredPolicy;
  if (rawPolicy) policy = policyForCreate(readPolicyInput(rawPolicy));
  else if (existingPolicy) policy = existingPolicy;
  else throw badParameter("The 'policy' property is required to create a certificate.");
  const attributes = readAttributeInput(body);
  const tags = optTags(body);
  const preserveCertOrder = optBoolean(body, "preserveCertOrder");
  assertCertificateNameUsable(vault, name);
  const selfSigned = policy.issuer.name.toLowerCase() === "self";
  requireRsaForForge(
    policy,
    selfSigned ? "Creating a self-signed certificate" : "Creating a certificate request",
  );

  const material =
    reusableMaterial(vault, name, policy) ?? (await generateKeyMaterial(materialSpecOf(policy)));
  assertCertificateNameUsable(vault, name);
  const version = newVersionId();
  const op: PendingOperation = {
    requestId: newVersionId(),
    version,
    issuer: policy.issuer,
    status: "inProgress",
    statusDetails:
      "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.",
    cancellationRequested: false,
    material,
  };
  if (preserveCertOrder !== undefined) op.preserveCertOrder = preserveCertOrder;

  if (selfSigned) {
    const leaf = createSelfSignedCertificate(material, policy);
    const completion: Completion = { version, material, leaf, chain: [], policy };
    if (attributes.enabled !== undefined) completion.enabled = attributes.enabled;
    if (tags !== undefined) completion.tags = tags;
    if (preserveCertOrder !== undefined) completion.preserveCertOrder = preserveCertOrder;
    const object = completeCertificate(vault, name, completion);
    op.status = "completed";
    op.statusDetails = "";
    delete op.material;
    object.meta.pending = op;
  } else {
    op.csrDer = createCsr(material, policy);
    const object = vault.certificates.ensure(name);
    const pendingVersion: CertificateVersion = {
      version,
      chain: [],
      pending: true,
      attributes: { enabled: false, created: nowSeconds(), updated: nowSeconds() },
    };
    if (tags !== undefined) pendingVersion.tags = tags;
    vault.certificates.addVersion(name, pendingVersion);
    object.meta.policy = policy;
    object.meta.pending = op;
  }
  vault.stats.certificatesCreated++;
  return { status: 202, body: operationJson(vault, name, op) };
}

export function importCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const body = asObject(ctx.body);
  const value = reqString(body, "value");
  const password = optString(body, "pwd");
  const rawPolicy = optObject(body, "policy");
  const input: PolicyInput | undefined = rawPolicy ? readPolicyInput(rawPolicy) : undefined;
  const attributes = readAttributeInput(body);
  const tags = optTags(body);
  const preserveCertOrder = optBoolean(body, "preserveCertOrder");

  const pem = input?.secret_props.contentType === PEM_CONTENT_TYPE || looksLikePem(value);
  const parsed = pem ? parsePem(value, password) : parsePfx(value, password);
  if (!parsed.material) {
    throw badParameter("The certificate to import must contain its private key.");
  }
  const facts = describeCertificate(parsed.leaf);
  const policy = policyForImport(input, facts, parsed.material, pem ? PEM_CONTENT_TYPE : PKCS12_CONTENT_TYPE);
  if (policy.secret_props.contentType === PKCS12_CONTENT_TYPE && parsed.material.family !== "RSA") {
    throw badParameter("Certificates with EC keys can only be imported in PEM format in the emulator.");
  }
  assertCertificateNameUsable(vault, name);
  const completion: Completion = {
    version: newVersionId(),
    material: parsed.material,
    leaf: parsed.leaf,
    chain: parsed.chain,
    policy,
  };
  if (attributes.enabled !== undefined) completion.enabled = attributes.enabled;
  if (tags !== undefined) completion.tags = tags;
  if (preserveCertOrder !== undefined) completion.preserveCertOrder = preserveCertOrder;
  const object = completeCertificate(vault, name, completion);
  vault.stats.certificatesImported++;
  return ok(certificateBundle(vault, object, object.versions.at(-1) as CertificateVersion));
}

function pendingOf(vault: VaultState, name: string): { object: CertificateObject; op: PendingOperation } {
  const object = vault.certificates.get(name);
  const op = object?.meta.pending;
  if (!object || !op) {
    throw new KeyVaultError(404, "PendingCertificateNotFound", `Pending certificate not found: ${name}`);
  }
  return { object, op };
}

/**
 * An x5c entry is base64 DER. The SDK's own sample passes the base64 *text* of a PEM body as
 * bytes, which arrives base64-encoded twice; the service accepts that, so do we.
 */
function decodeX5cEntry(entry: string): Buffer {
  const bytes = Buffer.from(entry, "base64");
  if (bytes[0] === 0x30) return bytes;
  const text = bytes.toString("latin1");
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  return Buffer.from((pem ? (pem[1] as string) : text).replace(/\s+/g, ""), "base64");
}

export function mergeCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const { object, op } = pendingOf(vault, name);
  if (op.status !== "inProgress" || !op.material) {
    throw conflict(`The pending operation of certificate ${name} is ${op.status} and cannot be merged.`);
  }
  const body = asObject(ctx.body);
  const x5c = optArray(body, "x5c");
  if (!x5c || x5c.length === 0 || x5c.some((c) => typeof c !== "string")) {
    throw badParameter("The 'x5c' property must hold the certificate chain as base64 strings.");
  }
  const certificates = (x5c as string[]).map(decodeX5cEntry);
  const leaf = certificates[0] as Buffer;
  let matches: boolean;
  try {
    matches = certificateMatchesKey(leaf, op.material);
  } catch {
    throw badParameter("The certificate to merge is not a valid X.509 certificate.");
  }
  if (!matches)
    throw badParameter("Public key from x509 certificate and key of this instance doesn't match.");
  const attributes = readAttributeInput(body);
  const tags = optTags(body);
  const policy = object.meta.policy as StoredPolicy;
  const completion: Completion = {
    version: op.version,
    material: op.material,
    leaf,
    chain: certificates.slice(1),
    policy,
  };
  if (attributes.enabled !== undefined) completion.enabled = attributes.enabled;
  if (tags !== undefined) completion.tags = tags;
  if (op.preserveCertOrder !== undefined) completion.preserveCertOrder = op.preserveCertOrder;
  completeCertificate(vault, name, completion);
  op.status = "completed";
  op.statusDetails = "";
  delete op.material;
  return {
    status: 201,
    body: certificateBundle(vault, object, object.byVersion.get(op.version) as CertificateVersion),
  };
}

export function getCertificateOperation(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const { op } = pendingOf(ctx.vault, name);
  return ok(operationJson(ctx.vault, name, op));
}

export function updateCertificateOperation(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const { op } = pendingOf(ctx.vault, name);
  const cancel = optBoolean(asObject(ctx.body), "cancellation_requested");
  if (cancel === undefined) throw badParameter("The 'cancellation_requested' property is required.");
  if (cancel && op.status === "inProgress") {
    op.cancellationRequested = true;
    op.status = "cancelled";
    op.statusDetails = "The certificate operation was cancelled.";
    delete op.material;
  }
  return ok(operationJson(ctx.vault, name, op));
}

export function deleteCertificateOperation(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const { object, op } = pendingOf(vault, name);
  delete object.meta.pending;
  const pendingVersion = object.byVersion.get(op.version);
  if (pendingVersion?.pending) {
    object.versions = object.versions.filter((v) => v !== pendingVersion);
    object.byVersion.delete(op.version);
    if (object.versions.length === 0) vault.certificates.remove(name);
  }
  return ok(operationJson(vault, name, op));
}

// ---- reads and updates -----------------------------------------------------------------

export function getCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(CERTIFICATE_OPS, ctx.vault, name);
  return ok(certificateBundle(ctx.vault, object, findVersion(CERTIFICATE_OPS, object, name, versionOf(ctx))));
}

export function updateCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const object = findLive(CERTIFICATE_OPS, vault, name);
  const v = findVersion(CERTIFICATE_OPS, object, name, versionOf(ctx));
  const body = asObject(ctx.body);
  const input = readAttributeInput(body);
  const tags = optTags(body);
  const rawPolicy = optObject(body, "policy");
  if (rawPolicy && object.meta.policy)
    object.meta.policy = mergePolicy(object.meta.policy, readPolicyInput(rawPolicy));
  if (input.enabled !== undefined) {
    applyAttributeInput(v.attributes, { enabled: input.enabled });
    // The backing key and secret versions follow the certificate's enabled state.
    const key = vault.keys.get(name)?.byVersion.get(v.version);
    if (key) applyAttributeInput(key.attributes, { enabled: input.enabled });
    const secret = vault.secrets.get(name)?.byVersion.get(v.version);
    if (secret) applyAttributeInput(secret.attributes, { enabled: input.enabled });
  } else {
    v.attributes.updated = nowSeconds();
  }
  if (tags !== undefined) v.tags = tags;
  return ok(certificateBundle(vault, object, v));
}

export function getCertificatePolicy(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(CERTIFICATE_OPS, ctx.vault, name);
  return ok(policyOf(ctx.vault, object) ?? {});
}

export function updateCertificatePolicy(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(CERTIFICATE_OPS, ctx.vault, name);
  const input = readPolicyInput(asObject(ctx.body));
  object.meta.policy = object.meta.policy ? mergePolicy(object.meta.policy, input) : policyForCreate(input);
  return ok(policyOf(ctx.vault, object));
}

export const getCertificates = (ctx: RequestContext) => listCertificates(ctx);
export const getCertificateVersions = (ctx: RequestContext) => listVersions(ctx, CERTIFICATE_OPS);
export const getDeletedCertificates = (ctx: RequestContext) => listDeleted(ctx, CERTIFICATE_OPS);

function listCertificates(ctx: RequestContext): HandlerResult {
  if (ctx.query.get("includePending") !== "true") return listObjects(ctx, CERTIFICATE_OPS);
  // With includePending, a certificate whose only version is pending is listed too.
  return listObjects(ctx, { ...CERTIFICATE_OPS, visible: () => true });
}

// ---- delete, recover, purge (with the backing key and secret) ---------------------------

export function deleteCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const object = findLive(CERTIFICATE_OPS, vault, name);
  const now = nowSeconds();
  delete object.meta.pending;
  const body = deleteObject(vault, CERTIFICATE_OPS, object, now);
  const key = vault.keys.get(name);
  if (key?.versions[0]?.managed) deleteObject(vault, KEY_OPS, key, now);
  const secret = vault.secrets.get(name);
  if (secret?.versions[0]?.managed) deleteObject(vault, SECRET_OPS, secret, now);
  vault.stats.itemsDeleted++;
  return ok(body);
}

export function getDeletedCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const deleted = findDeleted(CERTIFICATE_OPS, ctx.vault, name);
  const latest =
    latestVisible(CERTIFICATE_OPS, deleted.object) ?? (deleted.object.versions.at(-1) as CertificateVersion);
  return ok({
    ...certificateBundle(ctx.vault, deleted.object, latest),
    ...deletedFields(ctx.vault, "deletedcertificates", deleted.object.name, deleted),
  });
}

export function purgeDeletedCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  findDeleted(CERTIFICATE_OPS, vault, name);
  assertPurgeAllowed(vault);
  purgeObject(vault, CERTIFICATE_OPS, name);
  if (vault.keys.getDeleted(name)?.object.versions[0]?.managed) purgeObject(vault, KEY_OPS, name);
  if (vault.secrets.getDeleted(name)?.object.versions[0]?.managed) purgeObject(vault, SECRET_OPS, name);
  vault.stats.itemsPurged++;
  return { status: 204 };
}

export function recoverDeletedCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  findDeleted(CERTIFICATE_OPS, vault, name);
  const object = recoverObject(vault, CERTIFICATE_OPS, name) as CertificateObject;
  if (vault.keys.getDeleted(name)?.object.versions[0]?.managed) recoverObject(vault, KEY_OPS, name);
  if (vault.secrets.getDeleted(name)?.object.versions[0]?.managed) recoverObject(vault, SECRET_OPS, name);
  vault.stats.itemsRecovered++;
  const latest = latestVisible(CERTIFICATE_OPS, object) ?? (object.versions.at(-1) as CertificateVersion);
  return ok(certificateBundle(vault, object, latest));
}

// ---- backup and restore ----------------------------------------------------------------

interface CertificateBackup {
  name: string;
  policy?: StoredPolicy;
  versions: (Omit<CertificateVersion, "der" | "chain" | "thumbprint"> & { der?: string; chain: string[] })[];
  key?: KeyBackup;
  secret?: SecretBackup;
}

export function backupCertificate(ctx: RequestContext): HandlerResult {
  const name = nameOf(ctx);
  const vault = ctx.vault;
  const object = findLive(CERTIFICATE_OPS, vault, name);
  const versions = object.versions.filter((v) => !v.pending);
  if (versions.length > MAX_BACKUP_VERSIONS) {
    throw badParameter(`Backup is not supported for objects with more than ${MAX_BACKUP_VERSIONS} versions.`);
  }
  const backup: CertificateBackup = {
    name: object.name,
    versions: versions.map(({ der, chain, thumbprint: _thumbprint, ...rest }) => {
      const entry: CertificateBackup["versions"][number] = {
        ...rest,
        chain: chain.map((c) => c.toString("base64")),
      };
      if (der) entry.der = der.toString("base64");
      return entry;
    }),
  };
  if (object.meta.policy) backup.policy = object.meta.policy;
  const key = vault.keys.get(name);
  if (key) backup.key = keyBackupOf(key);
  const secret = vault.secrets.get(name);
  if (secret) backup.secret = secretBackupOf(secret);
  return ok({ value: sealBackup(vault, "certificate", backup) });
}

export function restoreCertificate(ctx: RequestContext): HandlerResult {
  const vault = ctx.vault;
  const backup = openBackup<CertificateBackup>(vault, "certificate", reqString(asObject(ctx.body), "value"));
  assertNameFree(vault, "certificate", backup.name);
  if (backup.key) assertNameFree(vault, "key", backup.key.name);
  if (backup.secret) assertNameFree(vault, "secret", backup.secret.name);
  const object = vault.certificates.ensure(backup.name);
  for (const { der, chain, ...rest } of backup.versions) {
    const v: CertificateVersion = {
      ...rest,
      attributes: { ...rest.attributes },
      chain: chain.map((c) => Buffer.from(c, "base64")),
    };
    if (der) {
      v.der = Buffer.from(der, "base64");
      v.thumbprint = thumbprintOf(v.der);
    }
    object.versions.push(v);
    object.byVersion.set(v.version, v);
  }
  if (backup.policy) object.meta.policy = backup.policy;
  if (backup.key) keyFromBackup(vault, backup.key);
  if (backup.secret) secretFromBackup(vault, backup.secret);
  vault.stats.itemsRestored++;
  return ok(certificateBundle(vault, object, object.versions.at(-1) as CertificateVersion));
}
