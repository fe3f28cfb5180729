import {
  constants,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  timingSafeEqual,
} from "node:crypto";
import { badParameter, notImplemented } from "../server/errors.js";
import type { KeyMaterial } from "./key-material.js";

/**
 * Cryptographic operations with real key material. Covered: RSA encrypt/decrypt and
 * wrapKey/unwrapKey (RSA-OAEP, RSA-OAEP-256, RSA1_5) and RSA sign/verify of a digest (RS256,
 * RS384, RS512). PS* and EC signatures need signing of a precomputed digest, which node:crypto
 * does not offer; they answer 501.
 */

const DIGEST_INFO_PREFIX: Record<string, { prefix: Buffer; length: number }> = {
  RS256: { prefix: Buffer.from("3031300d060960864801650304020105000420", "hex"), length: 32 },
  RS384: { prefix: Buffer.from("3041300d060960864801650304020205000430", "hex"), length: 48 },
  RS512: { prefix: Buffer.from("3051300d060960864801650304020305000440", "hex"), length: 64 },
};

const SIGNATURE_ALGORITHMS = new Set([
  "PS256",
  "PS384",
  "PS512",
  "RS256",
  "RS384",
  "RS512",
  "RSNULL",
  "ES256",
  "ES384",
  "ES512",
  "ES256K",
  "HS256",
  "HS384",
  "HS512",
]);

const ENCRYPTION_ALGORITHMS = new Set([
  "RSA-OAEP",
  "RSA-OAEP-256",
  "RSA1_5",
  "A128GCM",
  "A192GCM",
  "A256GCM",
  "A128KW",
  "A192KW",
  "A256KW",
  "A128CBC",
  "A192CBC",
  "A256CBC",
  "A128CBCPAD",
  "A192CBCPAD",
  "A256CBCPAD",
  "CKM_AES_KEY_WRAP",
  "CKM_AES_KEY_WRAP_PAD",
]);

function rsaPadding(algorithm: string): { padding: number; oaepHash?: string } {
  if (!ENCRYPTION_ALGORITHMS.has(algorithm)) throw badParameter(`Invalid algorithm '${algorithm}'.`);
  switch (algorithm) {
    case "RSA-OAEP":
      return { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" };
    case "RSA-OAEP-256":
      return { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" };
    case "RSA1_5":
      return { padding: constants.RSA_PKCS1_PADDING };
    default:
      throw badParameter(`Algorithm '${algorithm}' is not valid for an RSA key.`);
  }
}

function requireRsa(material: KeyMaterial, algorithm: string): void {
  if (material.family !== "RSA") throw badParameter(`Algorithm '${algorithm}' is not valid for an EC key.`);
}

export function encrypt(material: KeyMaterial, algorithm: string, plaintext: Buffer): Buffer {
  const options = rsaPadding(algorithm);
  requireRsa(material, algorithm);
  try {
    return publicEncrypt({ key: material.publicKey, ...options }, plaintext);
  } catch (error) {
    throw badParameter(`Encryption failed: ${(error as Error).message}`);
  }
}

export function decrypt(material: KeyMaterial, algorithm: string, ciphertext: Buffer): Buffer {
  const options = rsaPadding(algorithm);
  requireRsa(material, algorithm);
  try {
    return privateDecrypt({ key: material.privateKey, ...options }, ciphertext);
  } catch (error) {
    throw badParameter(`Decryption failed: ${(error as Error).message}`);
  }
}

function rsaDigestInfo(algorithm: string, digest: Buffer): Buffer {
  const info = DIGEST_INFO_PREFIX[algorithm];
  if (!info) {
    if (SIGNATURE_ALGORITHMS.has(algorithm)) throw notImplemented(`Signature algorithm ${algorithm}`);
    throw badParameter(`Invalid algorithm '${algorithm}'.`);
  }
  if (digest.length !== info.length) {
    throw badParameter(`The digest for ${algorithm} must be ${info.length} bytes long.`);
  }
  return Buffer.concat([info.prefix, digest]);
}

export function sign(material: KeyMaterial, algorithm: string, digest: Buffer): Buffer {
  if (material.family !== "RSA") {
    if (SIGNATURE_ALGORITHMS.has(algorithm)) throw notImplemented(`Signature algorithm ${algorithm}`);
    throw badParameter(`Invalid algorithm '${algorithm}'.`);
  }
  return privateEncrypt(
    { key: material.privateKey, padding: constants.RSA_PKCS1_PADDING },
    rsaDigestInfo(algorithm, digest),
  );
}

export function verify(material: KeyMaterial, algorithm: string, digest: Buffer, signature: Buffer): boolean {
  if (material.family !== "RSA") {
    if (SIGNATURE_ALGORITHMS.has(algorithm)) throw notImplemented(`Signature algorithm ${algorithm}`);
    throw badParameter(`Invalid algorithm '${algorithm}'.`);
  }
  const expected = rsaDigestInfo(algorithm, digest);
  try {
    const actual = publicDecrypt(
      { key: material.publicKey, padding: constants.RSA_PKCS1_PADDING },
      signature,
    );
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
