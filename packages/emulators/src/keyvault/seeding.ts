import type { SeededSecret, SeedSecretOptions } from "./options.js";
import { writeSecret } from "./secrets/handlers.js";
import { KeyVaultError } from "./server/errors.js";
import type { AttributeInput } from "./state/attributes.js";
import type { VaultState } from "./state/vault.js";

/**
 * Fast programmatic writes for tests: the same checks as SetSecret, no HTTP, no stats, no
 * throttling.
 */
export function seedSecret(
  vault: VaultState,
  name: string,
  value: string,
  options: SeedSecretOptions = {},
): SeededSecret {
  const attributes: AttributeInput = {};
  if (options.enabled !== undefined) attributes.enabled = options.enabled;
  if (options.notBefore) attributes.nbf = Math.floor(options.notBefore.getTime() / 1000);
  if (options.expiresOn) attributes.exp = Math.floor(options.expiresOn.getTime() / 1000);
  const input: Parameters<typeof writeSecret>[2] = { value, attributes };
  if (options.contentType !== undefined) input.contentType = options.contentType;
  if (options.tags !== undefined) input.tags = { ...options.tags };
  const { object, v } = writeSecret(vault, name, input);
  return { id: vault.id("secrets", object.name, v.version), version: v.version };
}

/** Seeds secrets described as JSON (the admin endpoint's body). */
export function seedSecrets(vault: VaultState, items: unknown[]): SeededSecret[] {
  return items.map((item, index) => {
    if (typeof item !== "object" || item === null) {
      throw new KeyVaultError(400, "BadParameter", `secrets[${index}] must be an object.`);
    }
    const raw = item as Record<string, unknown>;
    if (typeof raw.name !== "string" || typeof raw.value !== "string") {
      throw new KeyVaultError(400, "BadParameter", `secrets[${index}] needs string 'name' and 'value'.`);
    }
    const options: SeedSecretOptions = {};
    if (typeof raw.contentType === "string") options.contentType = raw.contentType;
    if (typeof raw.enabled === "boolean") options.enabled = raw.enabled;
    if (typeof raw.nbf === "number") options.notBefore = new Date(raw.nbf * 1000);
    if (typeof raw.exp === "number") options.expiresOn = new Date(raw.exp * 1000);
    if (typeof raw.tags === "object" && raw.tags !== null) options.tags = raw.tags as Record<string, string>;
    return seedSecret(vault, raw.name, raw.value, options);
  });
}
