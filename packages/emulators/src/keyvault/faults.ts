import type { KeyVaultFaults } from "./options.js";

/** Validates fault settings (rates are probabilities from 0 to 1). */
export function validateFaults(value: unknown): KeyVaultFaults | false {
  if (value === false || value === null) return false;
  if (typeof value !== "object") throw new TypeError("Faults must be an object or false.");
  const faults = value as Record<string, unknown>;
  const rate = (name: string): number => {
    const v = faults[name] ?? 0;
    if (typeof v !== "number" || !(v >= 0 && v <= 1))
      throw new TypeError(`Faults.${name} must be a number from 0 to 1.`);
    return v;
  };
  return { resetBeforeRate: rate("resetBeforeRate"), resetAfterRate: rate("resetAfterRate") };
}

/** Which fault, if any, strikes this request. */
export function drawFault(faults: KeyVaultFaults | false): "before" | "after" | undefined {
  if (!faults) return undefined;
  if (Math.random() < (faults.resetBeforeRate ?? 0)) return "before";
  if (Math.random() < (faults.resetAfterRate ?? 0)) return "after";
  return undefined;
}
