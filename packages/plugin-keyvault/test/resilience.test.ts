import type { ItemOutcome, ProgressEvent } from "@dataplane/core";
import type { KeyVaultEmulator, KeyVaultThrottling } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyVaultPlugin } from "../src/index.js";
import { type SeededVault, seedVault } from "./helpers/seed.js";
import { capturingSession, sideAccess, startVaults, vaultConfig, vaultResource } from "./helpers/vaults.js";
import { readVaultSecrets } from "./helpers/verify.js";

let emulator: KeyVaultEmulator;
let seeded: SeededVault;

/** Far below the service's limits (and the ones the plugin declares), over a 1-second window. */
function tight(retryAfter: boolean): KeyVaultThrottling {
  return {
    retryAfter,
    windowMs: 1000,
    limits: {
      secretCreate: 100,
      secretOther: 250,
      keyCreate: 8,
      hsmKeyCreate: 4,
      keyOther: 60,
      certificateCreate: 6,
      certificateOther: 60,
    },
  };
}

beforeAll(async () => {
  emulator = await startVaults([
    vaultConfig("source-vault"),
    vaultConfig("scratch-vault"),
    vaultConfig("target-bare"),
    vaultConfig("target-hinted", { location: "northeurope" }),
    vaultConfig("target-resets"),
  ]);
  seeded = await seedVault(emulator, "source-vault", "scratch-vault");
});

afterAll(() => emulator?.stop());

async function replicateThrottled(target: string) {
  const { session, events } = capturingSession();
  const outcomes: ItemOutcome[] = [];
  const context = session.replicateContext(sideAccess(emulator, "source"), sideAccess(emulator, "target"), {
    onOutcome: (_run, outcome) => outcomes.push(outcome),
  });
  const result = await keyVaultPlugin.replicate(
    vaultResource(emulator, "source-vault"),
    vaultResource(emulator, target),
    context,
  );
  return { result, events, outcomes };
}

function retries(events: ProgressEvent[]) {
  return events.filter((e): e is Extract<ProgressEvent, { type: "retried" }> => e.type === "retried");
}

describe("under the emulator's throttling", () => {
  it("429 without Retry-After: every item replicated, none failed", async () => {
    emulator.setThrottling(tight(false), "target-bare");
    emulator.setThrottling(tight(false), "source-vault");
    const { result, events } = await replicateThrottled("target-bare");
    emulator.setThrottling(false);
    expect(result.counts.failed, JSON.stringify(result.errors)).toBe(0);
    expect(result.counts.created).toBe(result.counts.discovered);
    const throttled = emulator.stats("target-bare").throttled + emulator.stats("source-vault").throttled;
    expect(throttled).toBeGreaterThan(0);
    expect(retries(events).some((e) => /429 without Retry-After/.test(e.reason))).toBe(true);
    const target = await readVaultSecrets(emulator, "target-bare");
    for (const spec of seeded.secrets.filter((s) => s.versions.at(-1)!.options.enabled !== false)) {
      expect(target.get(spec.name)?.at(-1)?.value, spec.name).toBe(spec.versions.at(-1)!.value);
    }
  });

  it("429 with Retry-After, keys re-created under the key CREATE limit: none failed", async () => {
    emulator.resetStats();
    emulator.setThrottling(tight(true), "target-hinted");
    const { result, events } = await replicateThrottled("target-hinted");
    emulator.setThrottling(false);
    expect(result.counts.failed, JSON.stringify(result.errors)).toBe(0);
    expect(result.byKind.key?.created).toBe(20);
    expect(emulator.stats("target-hinted").throttled).toBeGreaterThan(0);
    expect(retries(events).some((e) => /Retry-After \d+ ms/.test(e.reason))).toBe(true);
  });
});

describe("when connections drop", () => {
  it("a write whose answer was lost is confirmed, not repeated: no failure, no duplicate version", async () => {
    emulator.resetStats();
    emulator.setFaults({ resetBeforeRate: 0.05, resetAfterRate: 0.1 }, "target-resets");
    const { result, outcomes } = await replicateThrottled("target-resets");
    emulator.setFaults(false);
    expect(result.counts.failed, JSON.stringify(result.errors)).toBe(0);
    // A certificate whose import landed but whose policy update was cut off is completed by an update.
    expect(
      outcomes.filter((o) => o.status !== "created" && !(o.kind === "certificate" && o.status === "updated")),
    ).toEqual([]);
    expect(outcomes).toHaveLength(result.counts.discovered);
    const stats = emulator.stats("target-resets");
    expect(stats.resets).toBeGreaterThan(0);
    // every enabled secret written exactly once (the 5 disabled ones are restored from backups)
    expect(stats.secretVersionsCreated).toBe(seeded.secrets.length - 5);
    const target = await readVaultSecrets(emulator, "target-resets");
    for (const spec of seeded.secrets.filter((s) => s.versions.at(-1)!.options.enabled !== false)) {
      expect(target.get(spec.name), spec.name).toHaveLength(1);
      expect(target.get(spec.name)![0]!.value, spec.name).toBe(spec.versions.at(-1)!.value);
    }
  });
});
