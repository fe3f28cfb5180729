import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { promisify } from "node:util";
import { badParameter } from "../server/errors.js";
import type { JsonObject } from "../server/json-input.js";

/** Real key material (node:crypto) behind a Key Vault key version. */

export type CurveName = "P-256" | "P-384" | "P-521" | "P-256K";

export const CURVES: readonly CurveName[] = ["P-256", "P-384", "P-521", "P-256K"];

export const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096];

const NODE_CURVE: Record<CurveName, string> = {
  "P-256": "P-256",
  "P-384": "P-384",
  "P-521": "P-521",
  "P-256K": "secp256k1",
};

/** Node reports curves by their OpenSSL names. */
const CURVE_FROM_NODE: Record<string, CurveName> = {
  prime256v1: "P-256",
  "P-256": "P-256",
  secp384r1: "P-384",
  "P-384": "P-384",
  secp521r1: "P-521",
  "P-521": "P-521",
  secp256k1: "P-256K",
};

export type PublicJwk = { n: string; e: string } | { crv: CurveName; x: string; y: string };

export interface KeyMaterial {
  family: "RSA" | "EC";
  privateKey: KeyObject;
  publicKey: KeyObject;
  keySize?: number;
  curve?: CurveName;
  publicJwk: PublicJwk;
}

export type KeySpec =
  | { family: "RSA"; keySize: number; publicExponent: number }
  | { family: "EC"; curve: CurveName };

const generateKeyPairAsync = promisify(generateKeyPair);

export async function generateKeyMaterial(spec: KeySpec): Promise<KeyMaterial> {
  if (spec.family === "RSA") {
    const { privateKey } = await generateKeyPairAsync("rsa", {
      modulusLength: spec.keySize,
      publicExponent: spec.publicExponent,
    });
    return materialFromPrivateKey(privateKey);
  }
  const { privateKey } = await generateKeyPairAsync("ec", { namedCurve: NODE_CURVE[spec.curve] });
  return materialFromPrivateKey(privateKey);
}

export function materialFromPrivateKey(privateKey: KeyObject): KeyMaterial {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" });
  if (privateKey.asymmetricKeyType === "rsa") {
    return {
      family: "RSA",
      privateKey,
      publicKey,
      keySize: privateKey.asymmetricKeyDetails?.modulusLength,
      publicJwk: { n: jwk.n as string, e: jwk.e as string },
    };
  }
  if (privateKey.asymmetricKeyType === "ec") {
    const curve = CURVE_FROM_NODE[privateKey.asymmetricKeyDetails?.namedCurve ?? ""];
    if (!curve) throw badParameter("The elliptic curve of this key is not supported.");
    return {
      family: "EC",
      privateKey,
      publicKey,
      curve,
      publicJwk: { crv: curve, x: jwk.x as string, y: jwk.y as string },
    };
  }
  throw badParameter(`Keys of type '${privateKey.asymmetricKeyType}' are not supported.`);
}

function jwkPart(jwk: JsonObject, name: string): string | undefined {
  const value = jwk[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw badParameter(`The JSON web key property '${name}' must be a base64url string.`);
  return value;
}

/** Imports the private key of a JSON web key (as the import operation receives it). */
export function materialFromJwk(jwk: JsonObject, family: "RSA" | "EC"): KeyMaterial {
  if (jwkPart(jwk, "key_hsm") !== undefined) {
    throw badParameter(
      "Importing a protected key ('key_hsm', bring your own key) is not supported by the emulator.",
    );
  }
  if (jwkPart(jwk, "d") === undefined) {
    throw badParameter("The key to import must contain its private key ('d').");
  }
  let nodeJwk: JsonWebKey;
  if (family === "RSA") {
    nodeJwk = { kty: "RSA" };
    for (const part of ["n", "e", "d", "p", "q", "dp", "dq", "qi"]) {
      const value = jwkPart(jwk, part);
      if (value === undefined) throw badParameter(`The RSA key to import is missing '${part}'.`);
      nodeJwk[part] = value;
    }
  } else {
    const crv = jwk.crv;
    if (typeof crv !== "string" || !CURVES.includes(crv as CurveName)) {
      throw badParameter(`The EC key to import has an unsupported curve '${String(crv)}'.`);
    }
    nodeJwk = { kty: "EC", crv: NODE_CURVE[crv as CurveName] };
    for (const part of ["x", "y", "d"]) {
      const value = jwkPart(jwk, part);
      if (value === undefined) throw badParameter(`The EC key to import is missing '${part}'.`);
      nodeJwk[part] = value;
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: nodeJwk, format: "jwk" });
  } catch (error) {
    throw badParameter(`The key to import is not a valid ${family} key: ${(error as Error).message}`);
  }
  return materialFromPrivateKey(privateKey);
}

/** Private JWK for backup blobs. */
export function privateJwkOf(material: KeyMaterial): JsonWebKey {
  return material.privateKey.export({ format: "jwk" });
}

export function materialFromPrivateJwk(jwk: JsonWebKey): KeyMaterial {
  return materialFromPrivateKey(createPrivateKey({ key: jwk, format: "jwk" }));
}
