import { badParameter } from "../server/errors.js";
import { type JsonObject, optBoolean, optInteger, optObject } from "../server/json-input.js";

/** Attributes every secret, key and certificate version carries (times in unix seconds). */
export interface ObjectAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface AttributeInput {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

/** The vault's soft-delete settings, as they appear in every object's attributes. */
export interface RecoverySettings {
  recoveryLevel: string;
  recoverableDays: number;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function readAttributeInput(body: JsonObject, key = "attributes"): AttributeInput {
  const raw = optObject(body, key);
  if (!raw) return {};
  const input: AttributeInput = {};
  const enabled = optBoolean(raw, "enabled");
  const nbf = optInteger(raw, "nbf");
  const exp = optInteger(raw, "exp");
  if (enabled !== undefined) input.enabled = enabled;
  if (nbf !== undefined) input.nbf = nbf;
  if (exp !== undefined) input.exp = exp;
  if (nbf !== undefined && exp !== undefined && nbf > exp) {
    throw badParameter("The 'nbf' attribute must not be later than the 'exp' attribute.");
  }
  return input;
}

export function newAttributes(input: AttributeInput, now = nowSeconds()): ObjectAttributes {
  const attributes: ObjectAttributes = { enabled: input.enabled ?? true, created: now, updated: now };
  if (input.nbf !== undefined) attributes.nbf = input.nbf;
  if (input.exp !== undefined) attributes.exp = input.exp;
  return attributes;
}

export function applyAttributeInput(
  attributes: ObjectAttributes,
  input: AttributeInput,
  now = nowSeconds(),
): void {
  // Check before changing anything, so a refused update leaves the version as it was.
  const nbf = input.nbf ?? attributes.nbf;
  const exp = input.exp ?? attributes.exp;
  if (nbf !== undefined && exp !== undefined && nbf > exp) {
    throw badParameter("The 'nbf' attribute must not be later than the 'exp' attribute.");
  }
  if (input.enabled !== undefined) attributes.enabled = input.enabled;
  if (nbf !== undefined) attributes.nbf = nbf;
  if (exp !== undefined) attributes.exp = exp;
  attributes.updated = now;
}

export function attributesJson(
  attributes: ObjectAttributes,
  recovery: RecoverySettings,
): Record<string, unknown> {
  const json: Record<string, unknown> = { enabled: attributes.enabled };
  if (attributes.nbf !== undefined) json.nbf = attributes.nbf;
  if (attributes.exp !== undefined) json.exp = attributes.exp;
  json.created = attributes.created;
  json.updated = attributes.updated;
  json.recoveryLevel = recovery.recoveryLevel;
  json.recoverableDays = recovery.recoverableDays;
  return json;
}

/** True when `now` is outside the nbf/exp window. */
export function outsideValidity(
  attributes: ObjectAttributes,
  now = nowSeconds(),
): "notYetValid" | "expired" | undefined {
  if (attributes.nbf !== undefined && now < attributes.nbf) return "notYetValid";
  if (attributes.exp !== undefined && now > attributes.exp) return "expired";
  return undefined;
}
