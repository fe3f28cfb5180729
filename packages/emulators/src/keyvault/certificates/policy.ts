import { CURVES, type CurveName, type KeyMaterial, RSA_KEY_SIZES } from "../keys/key-material.js";
import { KEY_TYPES } from "../keys/model.js";
import { badParameter } from "../server/errors.js";
import {
  asObject,
  type JsonObject,
  optArray,
  optBoolean,
  optInteger,
  optObject,
  optString,
  optStringArray,
} from "../server/json-input.js";
import { nowSeconds } from "../state/attributes.js";
import { PEM_CONTENT_TYPE, PKCS12_CONTENT_TYPE, type StoredPolicy } from "./model.js";
import { type CertificateFacts, KEY_USAGES } from "./x509.js";

/** Certificate policies: reading the wire form, the service's defaults, merging updates. */

const SERVER_AND_CLIENT_AUTH = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"];
const ACTION_TYPES = ["EmailContacts", "AutoRenew"];

type Sans = NonNullable<StoredPolicy["x509_props"]["sans"]>;

function readSans(raw: JsonObject | undefined): Sans | undefined {
  if (!raw) return undefined;
  const sans: Sans = {};
  for (const key of ["emails", "dns_names", "upns", "uris", "ipAddresses"] as const) {
    const values = optStringArray(raw, key);
    if (values && values.length > 0) sans[key] = values;
  }
  return Object.keys(sans).length > 0 ? sans : undefined;
}

function readLifetimeActions(raw: unknown[] | undefined): StoredPolicy["lifetime_actions"] | undefined {
  if (!raw) return undefined;
  return raw.map((entry) => {
    const action = asObject(entry, "lifetime action");
    const trigger = optObject(action, "trigger") ?? {};
    const type = optString(optObject(action, "action") ?? {}, "action_type");
    if (type === undefined || !ACTION_TYPES.includes(type)) {
      throw badParameter("A lifetime action's action_type must be 'EmailContacts' or 'AutoRenew'.");
    }
    const percentage = optInteger(trigger, "lifetime_percentage");
    const days = optInteger(trigger, "days_before_expiry");
    if ((percentage === undefined) === (days === undefined)) {
      throw badParameter(
        "A lifetime action trigger needs exactly one of lifetime_percentage and days_before_expiry.",
      );
    }
    if (percentage !== undefined && (percentage < 1 || percentage > 99)) {
      throw badParameter("lifetime_percentage must be between 1 and 99.");
    }
    if (days !== undefined && days < 1) throw badParameter("days_before_expiry must be at least 1.");
    const result: StoredPolicy["lifetime_actions"][number] = { trigger: {}, action: { action_type: type } };
    if (percentage !== undefined) result.trigger.lifetime_percentage = percentage;
    if (days !== undefined) result.trigger.days_before_expiry = days;
    return result;
  });
}

/** A policy as the request states it: every field optional, validated. */
export interface PolicyInput {
  key_props: Partial<StoredPolicy["key_props"]>;
  secret_props: { contentType?: string };
  x509_props: Partial<StoredPolicy["x509_props"]>;
  lifetime_actions?: StoredPolicy["lifetime_actions"];
  issuer: Partial<StoredPolicy["issuer"]>;
  enabled?: boolean;
}

export function readPolicyInput(raw: JsonObject): PolicyInput {
  const keyProps = optObject(raw, "key_props") ?? {};
  const secretProps = optObject(raw, "secret_props") ?? {};
  const x509Props = optObject(raw, "x509_props") ?? {};
  const issuer = optObject(raw, "issuer") ?? {};
  const attributes = optObject(raw, "attributes") ?? {};
  const input: PolicyInput = { key_props: {}, secret_props: {}, x509_props: {}, issuer: {} };

  const kty = optString(keyProps, "kty");
  if (kty !== undefined && !KEY_TYPES.includes(kty))
    throw badParameter(`The key type '${kty}' is not supported.`);
  const keySize = optInteger(keyProps, "key_size");
  const crv = optString(keyProps, "crv");
  if (crv !== undefined && !CURVES.includes(crv as CurveName))
    throw badParameter(`The curve '${crv}' is not supported.`);
  const exportable = optBoolean(keyProps, "exportable");
  const reuseKey = optBoolean(keyProps, "reuse_key");
  if (kty !== undefined) input.key_props.kty = kty;
  if (keySize !== undefined) input.key_props.key_size = keySize;
  if (crv !== undefined) input.key_props.crv = crv;
  if (exportable !== undefined) input.key_props.exportable = exportable;
  if (reuseKey !== undefined) input.key_props.reuse_key = reuseKey;

  const contentType = optString(secretProps, "contentType");
  if (contentType !== undefined && contentType !== PKCS12_CONTENT_TYPE && contentType !== PEM_CONTENT_TYPE) {
    throw badParameter(
      `The secret content type '${contentType}' is not supported; use ${PKCS12_CONTENT_TYPE} or ${PEM_CONTENT_TYPE}.`,
    );
  }
  if (contentType !== undefined) input.secret_props.contentType = contentType;

  const subject = optString(x509Props, "subject");
  const sans = readSans(optObject(x509Props, "sans"));
  const ekus = optStringArray(x509Props, "ekus");
  const keyUsage = optStringArray(x509Props, "key_usage");
  for (const usage of keyUsage ?? []) {
    if (!KEY_USAGES.includes(usage)) throw badParameter(`Invalid key usage '${usage}'.`);
  }
  const validity = optInteger(x509Props, "validity_months");
  if (validity !== undefined && (validity < 1 || validity > 1200)) {
    throw badParameter("validity_months must be between 1 and 1200.");
  }
  if (subject !== undefined) input.x509_props.subject = subject;
  if (sans !== undefined) input.x509_props.sans = sans;
  if (ekus !== undefined) input.x509_props.ekus = ekus;
  if (keyUsage !== undefined) input.x509_props.key_usage = keyUsage;
  if (validity !== undefined) input.x509_props.validity_months = validity;

  const lifetimeActions = readLifetimeActions(optArray(raw, "lifetime_actions"));
  if (lifetimeActions !== undefined) input.lifetime_actions = lifetimeActions;

  const issuerName = optString(issuer, "name");
  const cty = optString(issuer, "cty");
  const transparency = optBoolean(issuer, "cert_transparency");
  if (issuerName !== undefined) input.issuer.name = issuerName;
  if (cty !== undefined) input.issuer.cty = cty;
  if (transparency !== undefined) input.issuer.cert_transparency = transparency;

  const enabled = optBoolean(attributes, "enabled");
  if (enabled !== undefined) input.enabled = enabled;
  return input;
}

function checkKeyProps(props: StoredPolicy["key_props"]): void {
  if (props.kty.startsWith("RSA")) {
    if (props.key_size === undefined || !RSA_KEY_SIZES.includes(props.key_size)) {
      throw badParameter(
        `The key size ${props.key_size} is not supported for RSA keys; use 2048, 3072 or 4096.`,
      );
    }
  }
}

/** The policy of a certificate created from `input`, with the service's defaults. */
export function policyForCreate(input: PolicyInput, now = nowSeconds()): StoredPolicy {
  const kty = input.key_props.kty ?? "RSA";
  const isRsa = kty.startsWith("RSA");
  const issuerName = input.issuer.name ?? "Unknown";
  const subject = input.x509_props.subject ?? "";
  if (subject === "" && !input.x509_props.sans) {
    throw badParameter("The certificate policy must have a subject or subject alternative names.");
  }
  const policy: StoredPolicy = {
    key_props: {
      exportable: input.key_props.exportable ?? true,
      kty,
      reuse_key: input.key_props.reuse_key ?? false,
    },
    secret_props: { contentType: input.secret_props.contentType ?? PKCS12_CONTENT_TYPE },
    x509_props: {
      subject,
      ekus: input.x509_props.ekus ?? SERVER_AND_CLIENT_AUTH,
      key_usage:
        input.x509_props.key_usage ??
        (isRsa ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"]),
      validity_months: input.x509_props.validity_months ?? 12,
    },
    lifetime_actions: input.lifetime_actions ?? [
      {
        trigger: { lifetime_percentage: 80 },
        action: { action_type: issuerName.toLowerCase() === "self" ? "AutoRenew" : "EmailContacts" },
      },
    ],
    issuer: { name: issuerName, ...withoutName(input.issuer) },
    attributes: { enabled: input.enabled ?? true, created: now, updated: now },
  };
  if (isRsa) policy.key_props.key_size = input.key_props.key_size ?? 2048;
  else policy.key_props.crv = input.key_props.crv ?? "P-256";
  if (input.x509_props.sans) policy.x509_props.sans = input.x509_props.sans;
  checkKeyProps(policy.key_props);
  return policy;
}

function withoutName(issuer: Partial<StoredPolicy["issuer"]>): Omit<Partial<StoredPolicy["issuer"]>, "name"> {
  const { name: _name, ...rest } = issuer;
  return rest;
}

/** The policy of an imported certificate: what the request states, else what the certificate says. */
export function policyForImport(
  input: PolicyInput | undefined,
  facts: CertificateFacts,
  material: KeyMaterial,
  detectedContentType: string,
  now = nowSeconds(),
): StoredPolicy {
  const policy: StoredPolicy = {
    key_props: {
      exportable: input?.key_props.exportable ?? true,
      kty: material.family,
      reuse_key: input?.key_props.reuse_key ?? false,
    },
    secret_props: { contentType: input?.secret_props.contentType ?? detectedContentType },
    x509_props: {
      subject: facts.subject,
      validity_months: facts.validityMonths,
    },
    lifetime_actions: input?.lifetime_actions ?? [
      { trigger: { lifetime_percentage: 80 }, action: { action_type: "EmailContacts" } },
    ],
    issuer: { name: input?.issuer.name ?? "Unknown", ...withoutName(input?.issuer ?? {}) },
    attributes: { enabled: input?.enabled ?? true, created: now, updated: now },
  };
  if (material.family === "RSA") policy.key_props.key_size = material.keySize ?? 2048;
  else policy.key_props.crv = material.curve ?? "P-256";
  if (Object.keys(facts.sans).length > 0) policy.x509_props.sans = facts.sans;
  if (facts.ekus) policy.x509_props.ekus = facts.ekus;
  if (facts.keyUsage) policy.x509_props.key_usage = facts.keyUsage;
  return policy;
}

/** Applies a policy update (PATCH …/policy) field by field. */
export function mergePolicy(policy: StoredPolicy, input: PolicyInput, now = nowSeconds()): StoredPolicy {
  const merged: StoredPolicy = {
    key_props: { ...policy.key_props, ...input.key_props },
    secret_props: { ...policy.secret_props, ...input.secret_props },
    x509_props: { ...policy.x509_props, ...input.x509_props },
    lifetime_actions: input.lifetime_actions ?? policy.lifetime_actions,
    issuer: { ...policy.issuer, ...input.issuer },
    attributes: { ...policy.attributes, enabled: input.enabled ?? policy.attributes.enabled, updated: now },
  };
  if (merged.key_props.kty.startsWith("RSA")) merged.key_props.key_size ??= 2048;
  checkKeyProps(merged.key_props);
  return merged;
}

export function policyJson(id: string, policy: StoredPolicy): Record<string, unknown> {
  return { id, ...policy };
}
