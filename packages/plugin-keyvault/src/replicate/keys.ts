import type {
  CreateKeyOptions,
  KeyCurveName,
  KeyOperation,
  KeyRotationPolicyAction,
} from "@azure/keyvault-keys";
import type { ApplyResult, PlanDecision, PlannedAction, StepContext } from "@dataplane/core";
import { readKeyItem } from "../discover/keys.js";
import type { KeyItem, KeyProperties, KeyRotationPolicyJson } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import { isDeletedButRecoverable, isForeignBackup, messageOf } from "../vault/errors.js";
import { dateOf, defined, stableJson } from "../vault/json.js";
import type { ReplicationRun } from "./run.js";
import { clearDeletedName, isPurgeable } from "./soft-delete.js";
import type { TargetEntry } from "./targets.js";

type KeyMethod = "backup-restore" | "recreate";

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
    const existing = await readKeyItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    if (!existing) return { action: "create", reason: how, details: { method } };
    return this.#compare(item, existing.properties);
  }

  #compare(item: KeyItem, target: KeyProperties): PlanDecision {
    const source = item.properties;
    const params = parameterChanges(source, target);
    if (params.length > 0) {
      return {
        action: "conflict",
        reason: `the target key has other parameters (${describeParameters(target)}, source ${describeParameters(source)})`,
        details: { changed: params },
      };
    }
    const changes = propertyChanges(source, target);
    if (changes.length > 0) {
      return { action: "update", reason: `differs: ${changes.join(", ")}`, details: { changed: changes } };
    }
    const sameMaterial = source.version !== undefined && source.version === target.version;
    return {
      action: "skip-unchanged",
      reason: sameMaterial
        ? "same key (restored from backup)"
        : "same parameters (key material is not comparable)",
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
    if (action.overwrite) {
      // Other parameters in the target: a new version with the source's parameters.
      return this.#recreate(item, ctx, "the target key had other parameters; a new version was created");
    }
    return this.#updateProperties(item, ctx);
  }

  #prefixed(result: ApplyResult, prefix: string): ApplyResult {
    return { ...result, reason: result.reason ? `${prefix}, then ${result.reason}` : prefix };
  }

  async #afterRecovery(item: KeyItem, ctx: StepContext): Promise<ApplyResult> {
    const recovered = await readKeyItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    const decision = recovered ? this.#compare(item, recovered.properties) : undefined;
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
    const options: CreateKeyOptions = {
      ...abortOptions(ctx.signal),
      enabled: p.enabled,
      tags: { ...p.tags },
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
        tags: { ...p.tags },
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
