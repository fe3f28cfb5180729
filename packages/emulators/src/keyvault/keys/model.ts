import type { ObjectAttributes } from "../state/attributes.js";
import type { KeyMaterial } from "./key-material.js";

export type KeyType = "RSA" | "RSA-HSM" | "EC" | "EC-HSM";

export const KEY_TYPES: readonly string[] = ["RSA", "RSA-HSM", "EC", "EC-HSM"];

export const KEY_OPERATIONS: readonly string[] = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "wrapKey",
  "unwrapKey",
  "import",
  "export",
];

export const DEFAULT_RSA_KEY_OPS: readonly string[] = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "wrapKey",
  "unwrapKey",
];
export const DEFAULT_EC_KEY_OPS: readonly string[] = ["sign", "verify"];

export interface KeyAttributes extends ObjectAttributes {
  exportable?: boolean;
}

export interface ReleasePolicy {
  contentType?: string;
  immutable?: boolean;
  /** base64url */
  data?: string;
}

export interface KeyVersion {
  version: string;
  kty: KeyType;
  keyOps: string[];
  material: KeyMaterial;
  attributes: KeyAttributes;
  tags?: Record<string, string>;
  releasePolicy?: ReleasePolicy;
  /** Set when the key backs a certificate. */
  managed?: boolean;
}

export interface LifetimeAction {
  trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string };
  action: { type: "Rotate" | "Notify" };
}

export interface RotationPolicy {
  lifetimeActions: LifetimeAction[];
  expiryTime?: string;
  created: number;
  updated: number;
}

export interface KeyMeta {
  rotationPolicy?: RotationPolicy;
}

export function isHsm(kty: KeyType): boolean {
  return kty.endsWith("-HSM");
}
