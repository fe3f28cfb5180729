import * as certificates from "../certificates/handlers.js";
import * as settings from "../certificates/vault-settings.js";
import * as keys from "../keys/handlers.js";
import type { ThrottleClass } from "../options.js";
import * as secrets from "../secrets/handlers.js";
import type { HandlerResult, RequestContext } from "./context.js";
import { KeyVaultError } from "./errors.js";

/**
 * The route table: method + path shape → REST operation of the 2025-07-01 spec, its
 * throttle class, whether it takes a JSON body, and its handler.
 */
export interface Route {
  /** The spec's operationId, used as the stats key. */
  operation: string;
  throttle: ThrottleClass | ((ctx: RequestContext) => ThrottleClass);
  /** The operation has a required JSON body. */
  body: boolean;
  handle(ctx: RequestContext): HandlerResult | Promise<HandlerResult>;
}

type Methods = Partial<Record<string, Route>>;

/** Own properties only, so path segments like `constructor` never reach the prototype. */
function own<T>(record: Record<string, T>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function route(operation: string, throttle: Route["throttle"], handle: Route["handle"], body = false): Route {
  return { operation, throttle, body, handle };
}

const S = "secretOther";
const K = "keyOther";
const C = "certificateOther";

// ---- secrets ---------------------------------------------------------------------------

const secretCollection: Methods = { GET: route("GetSecrets", S, secrets.getSecrets) };
const secretRestore: Methods = { POST: route("RestoreSecret", S, secrets.restoreSecret, true) };
const secretLatest: Methods = {
  GET: route("GetSecret", S, secrets.getSecret),
  PATCH: route("UpdateSecret", S, secrets.updateSecret, true),
};
const secretName: Methods = {
  PUT: route("SetSecret", "secretCreate", secrets.setSecret, true),
  DELETE: route("DeleteSecret", S, secrets.deleteSecret),
  ...secretLatest,
};
const secretVersions: Methods = { GET: route("GetSecretVersions", S, secrets.getSecretVersions) };
const secretBackup: Methods = { POST: route("BackupSecret", S, secrets.backupSecret) };
const deletedSecretCollection: Methods = { GET: route("GetDeletedSecrets", S, secrets.getDeletedSecrets) };
const deletedSecret: Methods = {
  GET: route("GetDeletedSecret", S, secrets.getDeletedSecret),
  DELETE: route("PurgeDeletedSecret", S, secrets.purgeDeletedSecret),
};
const deletedSecretRecover: Methods = {
  POST: route("RecoverDeletedSecret", S, secrets.recoverDeletedSecret),
};

function matchSecrets(segments: string[]): Methods | undefined {
  const [, name, sub] = segments;
  if (segments[0] === "deletedsecrets") {
    if (segments.length === 1) return deletedSecretCollection;
    if (segments.length === 2) return deletedSecret;
    if (segments.length === 3 && sub === "recover") return deletedSecretRecover;
    return undefined;
  }
  if (segments.length === 1) return secretCollection;
  if (segments.length === 2) return name === "restore" ? { ...secretName, ...secretRestore } : secretName;
  if (segments.length === 3) {
    if (sub === "versions") return secretVersions;
    if (sub === "backup") return secretBackup;
    return secretLatest;
  }
  return undefined;
}

// ---- keys ------------------------------------------------------------------------------

const keyCollection: Methods = { GET: route("GetKeys", K, keys.getKeys) };
const keyRestore: Methods = { POST: route("RestoreKey", K, keys.restoreKey, true) };
const keyLatest: Methods = {
  GET: route("GetKey", K, keys.getKey),
  PATCH: route("UpdateKey", K, keys.updateKey, true),
};
const keyName: Methods = {
  PUT: route("ImportKey", keys.keyCreateClass, keys.importKey, true),
  DELETE: route("DeleteKey", K, keys.deleteKey),
  ...keyLatest,
};
const keySub: Record<string, Methods> = {
  create: { POST: route("CreateKey", keys.keyCreateClass, keys.createKey, true) },
  rotate: { POST: route("RotateKey", keys.keyCreateClass, keys.rotateKey) },
  rotationpolicy: {
    GET: route("GetKeyRotationPolicy", K, keys.getKeyRotationPolicy),
    PUT: route("UpdateKeyRotationPolicy", K, keys.updateKeyRotationPolicy, true),
  },
  versions: { GET: route("GetKeyVersions", K, keys.getKeyVersions) },
  backup: { POST: route("BackupKey", K, keys.backupKey) },
  release: { POST: route("release", K, keys.releaseKey) },
  attestation: { GET: route("GetKeyAttestation", K, keys.getKeyAttestation) },
};
const keyVersionOperations: Record<string, Methods> = {
  sign: { POST: route("sign", K, keys.keyOperation("sign"), true) },
  verify: { POST: route("verify", K, keys.keyOperation("verify"), true) },
  encrypt: { POST: route("encrypt", K, keys.keyOperation("encrypt"), true) },
  decrypt: { POST: route("decrypt", K, keys.keyOperation("decrypt"), true) },
  wrapkey: { POST: route("wrapKey", K, keys.keyOperation("wrapKey"), true) },
  unwrapkey: { POST: route("unwrapKey", K, keys.keyOperation("unwrapKey"), true) },
  release: { POST: route("release", K, keys.releaseKey) },
  attestation: { GET: route("GetKeyAttestation", K, keys.getKeyAttestation) },
};
const deletedKeyCollection: Methods = { GET: route("GetDeletedKeys", K, keys.getDeletedKeys) };
const deletedKey: Methods = {
  GET: route("GetDeletedKey", K, keys.getDeletedKey),
  DELETE: route("PurgeDeletedKey", K, keys.purgeDeletedKey),
};
const deletedKeyRecover: Methods = { POST: route("RecoverDeletedKey", K, keys.recoverDeletedKey) };
const rng: Methods = { POST: route("GetRandomBytes", K, keys.getRandomBytes, true) };

function matchKeys(segments: string[]): Methods | undefined {
  const [, name, sub, op] = segments;
  if (segments[0] === "rng") return segments.length === 1 ? rng : undefined;
  if (segments[0] === "deletedkeys") {
    if (segments.length === 1) return deletedKeyCollection;
    if (segments.length === 2) return deletedKey;
    if (segments.length === 3 && sub === "recover") return deletedKeyRecover;
    return undefined;
  }
  if (segments.length === 1) return keyCollection;
  if (segments.length === 2) return name === "restore" ? { ...keyName, ...keyRestore } : keyName;
  if (segments.length === 3) return own(keySub, sub) ?? keyLatest;
  if (segments.length === 4) return own(keyVersionOperations, op);
  return undefined;
}

// ---- certificates ----------------------------------------------------------------------

const certificateCollection: Methods = { GET: route("GetCertificates", C, certificates.getCertificates) };
const certificateLatest: Methods = {
  GET: route("GetCertificate", C, certificates.getCertificate),
  PATCH: route("UpdateCertificate", C, certificates.updateCertificate, true),
};
const certificateName: Methods = {
  DELETE: route("DeleteCertificate", C, certificates.deleteCertificate),
  ...certificateLatest,
};
const certificateSub: Record<string, Methods> = {
  create: { POST: route("CreateCertificate", "certificateCreate", certificates.createCertificate, true) },
  import: { POST: route("ImportCertificate", "certificateCreate", certificates.importCertificate, true) },
  pending: {
    GET: route("GetCertificateOperation", C, certificates.getCertificateOperation),
    PATCH: route("UpdateCertificateOperation", C, certificates.updateCertificateOperation, true),
    DELETE: route("DeleteCertificateOperation", C, certificates.deleteCertificateOperation),
  },
  policy: {
    GET: route("GetCertificatePolicy", C, certificates.getCertificatePolicy),
    PATCH: route("UpdateCertificatePolicy", C, certificates.updateCertificatePolicy, true),
  },
  versions: { GET: route("GetCertificateVersions", C, certificates.getCertificateVersions) },
  backup: { POST: route("BackupCertificate", C, certificates.backupCertificate) },
};
const certificateMerge: Methods = {
  POST: route("MergeCertificate", "certificateCreate", certificates.mergeCertificate, true),
};
const contacts: Methods = {
  GET: route("GetCertificateContacts", C, settings.getCertificateContacts),
  PUT: route("SetCertificateContacts", C, settings.setCertificateContacts, true),
  DELETE: route("DeleteCertificateContacts", C, settings.deleteCertificateContacts),
};
const issuerCollection: Methods = { GET: route("GetCertificateIssuers", C, settings.getCertificateIssuers) };
const issuer: Methods = {
  GET: route("GetCertificateIssuer", C, settings.getCertificateIssuer),
  PUT: route("SetCertificateIssuer", C, settings.setCertificateIssuer, true),
  PATCH: route("UpdateCertificateIssuer", C, settings.updateCertificateIssuer, true),
  DELETE: route("DeleteCertificateIssuer", C, settings.deleteCertificateIssuer),
};
const certificateRestore: Methods = {
  POST: route("RestoreCertificate", C, certificates.restoreCertificate, true),
};
const deletedCertificateCollection: Methods = {
  GET: route("GetDeletedCertificates", C, certificates.getDeletedCertificates),
};
const deletedCertificate: Methods = {
  GET: route("GetDeletedCertificate", C, certificates.getDeletedCertificate),
  DELETE: route("PurgeDeletedCertificate", C, certificates.purgeDeletedCertificate),
};
const deletedCertificateRecover: Methods = {
  POST: route("RecoverDeletedCertificate", C, certificates.recoverDeletedCertificate),
};

function matchCertificates(segments: string[]): Methods | undefined {
  const [, name, sub, op] = segments;
  if (segments[0] === "deletedcertificates") {
    if (segments.length === 1) return deletedCertificateCollection;
    if (segments.length === 2) return deletedCertificate;
    if (segments.length === 3 && sub === "recover") return deletedCertificateRecover;
    return undefined;
  }
  if (segments.length === 1) return certificateCollection;
  if (name === "contacts" && segments.length === 2) return contacts;
  if (name === "issuers" && segments.length === 2) return issuerCollection;
  if (name === "issuers" && segments.length === 3) return issuer;
  if (segments.length === 2)
    return name === "restore" ? { ...certificateName, ...certificateRestore } : certificateName;
  if (segments.length === 3) return own(certificateSub, sub) ?? certificateLatest;
  if (segments.length === 4 && sub === "pending" && op === "merge") return certificateMerge;
  return undefined;
}

// ---- dispatch --------------------------------------------------------------------------

const BY_COLLECTION: Record<string, (segments: string[]) => Methods | undefined> = {
  secrets: matchSecrets,
  deletedsecrets: matchSecrets,
  keys: matchKeys,
  deletedkeys: matchKeys,
  rng: matchKeys,
  certificates: matchCertificates,
  deletedcertificates: matchCertificates,
};

/** The route for a request, or the service-style 404/405. */
export function matchRoute(method: string, segments: string[]): Route {
  const matcher = own(BY_COLLECTION, segments[0]);
  const methods = matcher?.(segments);
  if (!methods) {
    throw new KeyVaultError(404, "NotFound", `The requested path /${segments.join("/")} does not exist.`);
  }
  const found = own(methods as Record<string, Route>, method);
  if (!found) {
    throw new KeyVaultError(
      405,
      "MethodNotAllowed",
      `The method ${method} is not allowed on /${segments.join("/")}.`,
    );
  }
  return found;
}
