import type {
  CreateKeyOptions,
  KeyCurveName,
  KeyOperation,
  KeyRotationPolicyAction,
} from "@azure/keyvault-keys";
import type { ApplyResult, PlanDecision, PlannedAction, StepContext } from "@dataplane/core";
import { listKeyVersions, readKeyItem } from "../discover/keys.js";
import type { KeyItem, KeyProperties, KeyRotationPolicyJson } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import { isDeletedButRecoverable, isForeignBackup, messageOf } from "../vault/errors.js";
import { dateOf, defined, stableJson } from "../vault/json.js";
import { PLACEHOLDER_TAG } from "./placeholder.js";
import type { ReplicationRun } from "./run.js";
import { clearDeletedName, isPurgeable, removeOwnPlaceholder } from "./soft-delete.js";
import type { TargetEntry } from "./targets.js";

type KeyMethod = "backup-restore" | "recreate";

/** What apply does for an update or an overwritten conflict (in the decision's details). */
type KeyWork = "properties" | "recreate" | "replace-restore" | "refuse-overwrite";

const PLACEHOLDER_NOTE = "the target holds this tool's template-mode stand-in key";

function time(iso: string | undefined): number {
  return iso ? Date.parse(iso) : 0;
}

function describeParameters(p: KeyProperties): string {
  return [p.keyType, p.keySize, p.curve].filter((x) => x !== undefined).join(" ");
}

function second(iso: string | undefined): number | undefined {
  return iso ? Math.floor(Date.parse(iso) / 1000) : undefined;
}

function normalisedPolicy(policy: KeyRotationPolicyJson | undefined): string {
  if (!policy) return "none";
  return stableJson({
    expiresIn: policy.expiresIn,
    lifetimeActions: policy.lifetimeActions
      .map((a) => ({ ...a, action: a.action.toLowerCase() }))
      .sort((a, b) => a.action.localeCompare(b.action)),
  });
}

/** Parameters that fix the key material: a difference is a conflict. */
function parameterChanges(source: KeyProperties, target: KeyProperties): string[] {
  const changes: string[] = [];
  if (source.keyType !== target.keyType) changes.push("keyType");
  if ((source.keySize ?? 0) !== (target.keySize ?? 0)) changes.push("keySize");
  if ((source.curve ?? "") !== (target.curve ?? "")) changes.push("curve");
  return changes;
}

/** Properties that can be updated in place. */
function propertyChanges(source: KeyProperties, target: KeyProperties): string[] {
  const changes: string[] = [];
  if (stableJson([...source.keyOps].sort()) !== stableJson([...target.keyOps].sort())) changes.push("keyOps");
  if (source.enabled !== target.enabled) changes.push("enabled");
  if (second(source.notBefore) !== second(target.notBefore)) changes.push("notBefore");
  if (second(source.expiresOn) !== second(target.expiresOn)) changes.push("expiresOn");
  if (stableJson(source.tags) !== stableJson(target.tags)) changes.push("tags");
  if (normalisedPolicy(source.rotationPolicy) !== normalisedPolicy(target.rotationPolicy))
    changes.push("rotationPolicy");
  return changes;
}

/**
 * Keys: backup/restore where the service allows it (same subscription and geography; same key
 * material, all versions), otherwise re-created with the same parameters: type, size or curve,
 * operations, attributes, tags, release and rotation policy — NEW key material, said so in the
 * item's outcome and in a run warning.
 */
export class KeyReplicator {
  constructor(private readonly run: ReplicationRun) {}

  #method(): { method: KeyMethod; why: string } {
    const { run } = this;
    if (run.mode === "template")
      return { method: "recreate", why: "template mode creates keys from their parameters" };
    if (run.options.keyStrategy === "recreate") return { method: "recreate", why: "--key-strategy recreate" };
    if (!run.placement.allowed) return { method: "recreate", why: run.placement.reason };
    return { method: "backup-restore", why: run.placement.reason };
  }

  async plan(item: KeyItem, target: TargetEntry | undefined, ctx: StepContext): Promise<PlanDecision> {
    if (target?.managed) {
      return {
        action: "skip-unsupported",
        reason: `the target has a certificate named ${item.name}, whose key holds this name`,
      };
    }
    const { method, why } = this.#method();
    const how =
      method === "backup-restore"
        ? "backup/restore (same key material)"
        : `re-created with NEW key material (${why})`;
    if (target?.deleted) {
      const purge = this.run.options.purgeDeleted && target.purgeable;
      return {
        action: "create",
        reason: `a soft-deleted key holds the name in the target: it is ${purge ? "purged" : "recovered"} first`,
      };
    }
    if (!target) return { action: "create", reason: how, details: { method } };
    if (this.run.mode === "template") {
      return { action: "skip-unchanged", reason: "already in the target; template mode leaves it alone" };
    }
    const existing = await readKeyItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    if (!existing) return { action: "create", reason: how, details: { method } };
    return this.#compare(item, existing.properties, ctx, target);
  }

  /**
   * Compares the target's current key with the source's: parameters, then key material through
   * the public keys (RSA n/e, EC x/y; symmetric keys by version id only), then properties.
   * Different material is a known, reported difference when this tool re-creates keys (it cannot
   * copy material there); where backup/restore copies material, it is a different key: a conflict.
   */
  async #compare(
    item: KeyItem,
    target: KeyProperties,
    ctx: StepContext,
    entry?: TargetEntry,
  ): Promise<PlanDecision> {
    const source = item.properties;
    const { method, why } = this.#method();
    const ownPlaceholder = target.tags[PLACEHOLDER_TAG] === "true" && source.tags[PLACEHOLDER_TAG] !== "true";
    const sameVersion = source.version !== undefined && source.version === target.version;
    const material =
      sameVersion || (source.publicKeySha256 && source.publicKeySha256 === target.publicKeySha256)
        ? "same"
        : source.publicKeySha256 && target.publicKeySha256
          ? "different"
          : "unknown";
    if (ownPlaceholder && material !== "same") return this.#replacePlaceholder(target, entry);
    const params = parameterChanges(source, target);
    if (params.length > 0) {
      return {
        action: "conflict",
        reason: `the target key has other parameters (${describeParameters(target)}, source ${describeParameters(source)})`,
        details: { changed: params, work: "recreate" satisfies KeyWork },
      };
    }
    const changes = propertyChanges(source, target);
    const update = (reason: string): PlanDecision => ({
      action: "update",
      reason: `${reason}; differs: ${changes.join(", ")}`,
      details: { changed: changes, work: "properties" satisfies KeyWork },
    });
    if (material === "same") {
      if (changes.length > 0) return update("same key material");
      return {
        action: "skip-unchanged",
        reason: sameVersion ? "same key (restored from backup)" : "same key material (public keys match)",
      };
    }
    if (material === "unknown") {
      return {
        action: "skip-unsupported",
        reason: "cannot compare: a symmetric key's material is never shown, and the version ids differ",
      };
    }
    if (method === "recreate") {
      // This tool re-creates keys here: new material is expected, and a target re-created after the
      // source's current version was made is that re-creation. A newer source version is not.
      if (time(target.createdOn) >= time(source.createdOn)) {
        const known = `re-created with NEW key material (${why}): the material differs from the source's by design`;
        this.run.recreatedEarlier.add(item.name);
        if (changes.length > 0) return update(known);
        return {
          action: "skip-unchanged",
          reason: `${known}; parameters and properties match`,
        };
      }
      return {
        action: "update",
        reason: `the source key has a version newer than the target's re-created key: re-created again with NEW key material (${why})`,
        details: { keyMaterial: "different", work: "recreate" satisfies KeyWork },
      };
    }
    const sourceVersions =
      source.versions ?? (await listKeyVersions(this.run.src, item.name, ctx.signal, source.version));
    if (target.version && sourceVersions.some((v) => v.version === target.version)) {
      return {
        action: "skip-unsupported",
        reason:
          "the target holds an older version of the source key (restored before the source was rotated); " +
          "backup/restore needs the name free: delete and purge the target key to copy the current material",
      };
    }
    return {
      action: "conflict",
      reason: "the target holds a different key of the same name (its public key differs from the source's)",
      details: { keyMaterial: "different", work: "refuse-overwrite" satisfies KeyWork },
    };
  }

  /** The target holds this tool's template-mode stand-in (tagged): replace it. */
  #replacePlaceholder(target: KeyProperties, entry: TargetEntry | undefined): PlanDecision {
    const { method, why } = this.#method();
    if (method === "recreate") {
      // The stand-in is what this tool would create here: only its properties and tags change.
      return {
        action: "update",
        reason: `${PLACEHOLDER_NOTE}: its key material stays new (${why}); properties and tags set to the source's`,
        details: { work: "properties" satisfies KeyWork, placeholderReplaced: true },
      };
    }
    const level = entry?.attributes?.recoveryLevel ?? target.recoveryLevel;
    if (!level || !/purgeable/i.test(level)) {
      return {
        action: "skip-unsupported",
        reason: `${PLACEHOLDER_NOTE}; copying the source's key material needs the name free, and the target vault keeps deleted names (purge protection): delete it there, or run with --key-strategy recreate`,
      };
    }
    return {
      action: "update",
      reason: `${PLACEHOLDER_NOTE}: deleted and purged, then the source key restored from backup (same key material)`,
      details: { work: "replace-restore" satisfies KeyWork, placeholderReplaced: true },
    };
  }

  async apply(action: PlannedAction<KeyItem, TargetEntry>, ctx: StepContext): Promise<ApplyResult> {
    const item = action.source;
    if (action.target?.deleted) {
      const { cleared } = await clearDeletedName(this.run, "key", item.name, action.target.purgeable, ctx);
      if (cleared === "recovered") return this.#afterRecovery(item, ctx);
      return this.#prefixed(await this.#create(item, ctx), "purged the soft-deleted key");
    }
    if (action.action === "create") {
      try {
        return await this.#create(item, ctx);
      } catch (error) {
        if (!isDeletedButRecoverable(error)) throw error;
        const purgeable = await isPurgeable(this.run.dst, "key", item.name);
        const { cleared } = await clearDeletedName(this.run, "key", item.name, purgeable, ctx);
        if (cleared === "recovered") return this.#afterRecovery(item, ctx);
        return this.#prefixed(await this.#create(item, ctx), "purged the soft-deleted key");
      }
    }
    switch (action.details?.work as KeyWork | undefined) {
      case "recreate":
        return this.#recreate(
          item,
          ctx,
          action.overwrite
            ? "the target key had other parameters; a new version was created"
            : "the source has a newer version",
        );
      case "replace-restore":
        await removeOwnPlaceholder(this.run, "key", item.name, ctx);
        return this.#prefixed(await this.#create(item, ctx), "replaced this tool's template-mode stand-in");
      case "refuse-overwrite":
        return {
          status: "skipped-unsupported",
          reason:
            "the target holds a different key (other key material); backup/restore cannot overwrite a key in place: " +
            "delete and purge the target key (data encrypted with it can then no longer be decrypted), then run again",
        };
      default:
        return this.#updateProperties(item, ctx);
    }
  }

  #prefixed(result: ApplyResult, prefix: string): ApplyResult {
    return { ...result, reason: result.reason ? `${prefix}, then ${result.reason}` : prefix };
  }

  async #afterRecovery(item: KeyItem, ctx: StepContext): Promise<ApplyResult> {
    const recovered = await readKeyItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    const decision = recovered ? await this.#compare(item, recovered.properties, ctx) : undefined;
    if (!decision || decision.action === "conflict") {
      const result = await this.#recreate(item, ctx, "the recovered key had other parameters");
      return { ...this.#prefixed(result, "recovered the soft-deleted key"), status: "updated" };
    }
    if (decision.action === "update") {
      const result = await this.#updateProperties(item, ctx);
      return { ...this.#prefixed(result, "recovered the soft-deleted key"), status: "updated" };
    }
    return {
      status: "updated",
      reason:
        "recovered the soft-deleted key; its parameters match the source (its key material is the recovered key's)",
    };
  }

  async #create(item: KeyItem, ctx: StepContext): Promise<ApplyResult> {
    const { method, why } = this.#method();
    if (method === "recreate") return this.#recreate(item, ctx, why);
    const { src, dst } = this.run;
    const blob = await src.keys.backupKey(item.name, abortOptions(ctx.signal));
    if (!blob) throw new Error(`the source returned no backup for key ${item.name}`);
    try {
      await dst.keys.restoreKeyBackup(blob, abortOptions(ctx.signal));
    } catch (error) {
      if (!isForeignBackup(error)) throw error;
      return this.#recreate(item, ctx, `the target refused the backup (${messageOf(error)})`);
    }
    if (item.properties.rotationPolicy)
      await this.#setRotationPolicy(item, item.properties.rotationPolicy, ctx);
    return {
      reason: "copied with backup/restore: same key material, all versions",
      details: { method: "backup-restore" },
    };
  }

  async #recreate(item: KeyItem, ctx: StepContext, why: string): Promise<ApplyResult> {
    const p = item.properties;
    const client = p.hsm ? this.run.dst.hsmKeys : this.run.dst.keys;
    // Template mode's stand-ins are tagged, so that a later replication knows them for its own.
    const tags = this.run.mode === "template" ? { ...p.tags, [PLACEHOLDER_TAG]: "true" } : { ...p.tags };
    const options: CreateKeyOptions = {
      ...abortOptions(ctx.signal),
      enabled: p.enabled,
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
      keyOps: p.keyOps as KeyOperation[],
      ...defined({
        keySize: p.keySize,
        curve: p.curve as KeyCurveName | undefined,
        notBefore: dateOf(p.notBefore),
        expiresOn: dateOf(p.expiresOn),
        exportable: p.exportable ? true : undefined,
        releasePolicy: p.releasePolicy
          ? defined({
              contentType: p.releasePolicy.contentType,
              immutable: p.releasePolicy.immutable,
              encodedPolicy: p.releasePolicy.encodedPolicy
                ? new Uint8Array(Buffer.from(p.releasePolicy.encodedPolicy, "base64"))
                : undefined,
            })
          : undefined,
      }),
    };
    await client.createKey(item.name, p.keyType, options);
    if (p.rotationPolicy) await this.#setRotationPolicy(item, p.rotationPolicy, ctx);
    this.run.newKeyMaterial.push(item.name);
    const olderVersions =
      p.versions && p.versions.length > 1
        ? `; only the current of ${p.versions.length} versions is re-created`
        : "";
    return {
      reason: `re-created with NEW key material (${why})${olderVersions}`,
      details: { method: "recreate", newKeyMaterial: true },
    };
  }

  async #setRotationPolicy(item: KeyItem, policy: KeyRotationPolicyJson, ctx: StepContext): Promise<void> {
    await this.run.dst.keys.updateKeyRotationPolicy(
      item.name,
      {
        ...defined({ expiresIn: policy.expiresIn }),
        lifetimeActions: policy.lifetimeActions.map((a) => ({
          action: (a.action.toLowerCase() === "rotate" ? "Rotate" : "Notify") as KeyRotationPolicyAction,
          ...defined({ timeAfterCreate: a.timeAfterCreate, timeBeforeExpiry: a.timeBeforeExpiry }),
        })),
      },
      abortOptions(ctx.signal),
    );
  }

  async #updateProperties(item: KeyItem, ctx: StepContext): Promise<ApplyResult> {
    const p = item.properties;
    const current = await readKeyItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    const changes = current ? propertyChanges(p, current.properties) : ["all"];
    const version = current?.properties.version ?? "";
    const propertiesChanged = changes.some((c) => c !== "rotationPolicy");
    if (propertiesChanged) {
      await this.run.dst.keys.updateKeyProperties(item.name, version, {
        ...abortOptions(ctx.signal),
        enabled: p.enabled,
        ...(changes.includes("tags") || changes.includes("all") ? { tags: { ...p.tags } } : {}),
        keyOps: p.keyOps as KeyOperation[],
        ...defined({ notBefore: dateOf(p.notBefore), expiresOn: dateOf(p.expiresOn) }),
      });
    }
    if (changes.includes("rotationPolicy") || changes.includes("all")) {
      await this.#setRotationPolicy(item, p.rotationPolicy ?? { lifetimeActions: [] }, ctx);
    }
    return {
      reason: `updated ${changes.join(", ")} (same key)`,
      details: { method: "update-properties", changed: changes },
    };
  }
}
