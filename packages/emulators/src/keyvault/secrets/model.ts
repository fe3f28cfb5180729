import type { ObjectAttributes } from "../state/attributes.js";

/** Service limits on secrets. */
export const MAX_SECRET_VALUE_BYTES = 25 * 1024;
export const MAX_CONTENT_TYPE_LENGTH = 255;

export interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: ObjectAttributes;
  /** Set when the secret backs a certificate; its `kid` is the certificate's key version. */
  managed?: boolean;
}

export type SecretMeta = Record<string, never>;
