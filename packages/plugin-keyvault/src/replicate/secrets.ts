import type { ApplyResult, PlanDecision, PlannedAction, StepContext } from "@dataplane/core";
import { listSecretVersions } from "../discover/secrets.js";
import type { SecretItem, SecretVersionProperties } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import { isDeletedButRecoverable, isDisabledSecret } from "../vault/errors.js";
import { dateOf, defined } from "../vault/json.js";
import { PLACEHOLDER_TAG, PLACEHOLDER_VALUE } from "./placeholder.js";
import type { ReplicationRun } from "./run.js";
import {
  attributeChanges,
  isPlaceholder,
  readCurrentSecret,
  readHistory,
  readSecretValue,
  type SecretAttributes,
  type SecretVersionValue,
  secretAttributesOf,
  secretDigest,
  setOptionsOf,
} from "./secret-values.js";
import { clearDeletedName, isPurgeable, removeOwnPlaceholder } from "./soft-delete.js";
import { liveEntry, type TargetEntry } from "./targets.js";

/** What apply will do for one secret, decided by plan (values stay in memory, never in the plan). */
type SecretWork =
  /** Backup/restore: a disabled source secret (all versions, same subscription and geography). */
  | { readonly how: "restore" }
  /** Template mode: a placeholder value, tagged. */
  | { readonly how: "placeholder" }
  /** Read the source (current version, or all versions oldest first) and write it. */
  | { readonly how: "copy" }
  /** Write these versions, oldest first. */
  | { readonly how: "write"; readonly versions: readonly SecretVersionValue[] }
  /** This tool's placeholder of a disabled source secret: delete and purge it, then restore. */
  | { readonly how: "replace-restore" }
  /** A disabled secret whose versions the target holds: update those versions' attributes. */
  | {
      readonly how: "version-attributes";
      readonly versions: readonly {
        readonly version: string;
        readonly source: SecretAttributes;
        readonly target: SecretAttributes;
      }[];
    }
  /** Same value: update the attributes of the target's current version (no new version). */
  | {
      readonly how: "attributes";
      readonly targetVersion: string;
      readonly source: SecretVersionValue;
      readonly target: SecretAttributes;
    };

interface Planned {
  readonly decision: PlanDecision;
  readonly work?: SecretWork;
}

const DISABLED_NOTE = "the source secret is disabled, so its value cannot be read";
const PLACEHOLDER_NOTE = "the target holds this tool's template-mode placeholder";

/** Whether a vault's deleted objects can be purged (or deletes are final), from a recovery level. */
function purgeableLevel(recoveryLevel: string | undefined): boolean {
  return recoveryLevel !== undefined && /purgeable/i.test(recoveryLevel);
}

/**
 * Secrets: value, attributes and tags; the current version or every version oldest first.
 *
 * The update/conflict rule: target absent → create; same value and attributes → skip;
 * same value, other attributes → update the attributes (no new version); the target holds a
 * value the source had in an older version (a stale copy) → update; otherwise → conflict
 * (`--on-conflict` decides). A re-run therefore writes no version for an unchanged secret.
 */
export class SecretReplicator {
  readonly #pending = new Map<string, SecretWork>();

  constructor(private readonly run: ReplicationRun) {}

  async plan(item: SecretItem, target: TargetEntry | undefined, ctx: StepContext): Promise<PlanDecision> {
    const { decision, work } = await this.#plan(item, target, ctx);
    const willApply =
      decision.action === "create" ||
      decision.action === "update" ||
      (decision.action === "conflict" && ctx.onConflict === "overwrite");
    if (work && willApply && !ctx.dryRun) this.#pending.set(item.key, work);
    else this.#pending.delete(item.key);
    return decision;
  }

  async #plan(item: SecretItem, target: TargetEntry | undefined, ctx: StepContext): Promise<Planned> {
    const { run } = this;
    const p = item.properties;
    if (target?.managed) {
      return {
        decision: {
          action: "skip-unsupported",
          reason: `the target has a certificate named ${item.name}, whose secret holds this name`,
        },
      };
    }
    if (target?.deleted) {
      const purge = run.options.purgeDeleted && target.purgeable;
      return {
        decision: {
          action: "create",
          reason: `a soft-deleted secret holds the name in the target: it is ${purge ? "purged" : "recovered"} first`,
        },
      };
    }
    if (run.mode === "template") {
      if (!target)
        return {
          decision: { action: "create", reason: "placeholder value (template mode)" },
          work: { how: "placeholder" },
        };
      return {
        decision: {
          action: "skip-unchanged",
          reason: "already in the target; template mode leaves existing values alone",
        },
      };
    }
    if (!p.enabled) return this.#planDisabled(item, target, ctx);
    if (!target) {
      const disabledOlder = (p.versions ?? []).some((v) => !v.enabled);
      if (run.options.versions === "all" && disabledOlder && run.placement.allowed) {
        return {
          decision: { action: "create", reason: "backup/restore (some older versions are disabled)" },
          work: { how: "restore" },
        };
      }
      return { decision: { action: "create" }, work: { how: "copy" } };
    }
    if (run.options.versions === "all") return this.#planAllVersions(item, ctx);
    return this.#planCurrent(item, target, ctx);
  }

  /**
   * A disabled source secret: its value cannot be read, so nothing can be compared by value. What
   * can be compared: version ids (backup/restore keeps them, and a version's value never changes)
   * and each version's attributes. When the target does not hold the source's versions, the item
   * is reported `skip-unsupported` ("cannot compare: disabled") — never unchanged, and not a
   * conflict: a conflict is a known difference that `--on-conflict overwrite` resolves, while here
   * the difference is unknown and no write could resolve it (the value cannot be read).
   */
  async #planDisabled(item: SecretItem, target: TargetEntry | undefined, ctx: StepContext): Promise<Planned> {
    const { placement, src, dst } = this.run;
    if (!target) {
      if (placement.allowed) {
        return {
          decision: {
            action: "create",
            reason: `${DISABLED_NOTE}: copied with backup/restore (all versions)`,
          },
          work: { how: "restore" },
        };
      }
      return {
        decision: { action: "skip-unsupported", reason: `${DISABLED_NOTE}, and ${placement.reason}` },
      };
    }
    const [sourceVersions, targetVersions] = await Promise.all([
      item.properties.versions ?? listSecretVersions(src, item.name, ctx.signal),
      listSecretVersions(dst, item.name, ctx.signal),
    ]);
    const sourceIds = new Set(sourceVersions.map((v) => v.version));
    const targetById = new Map(targetVersions.map((v) => [v.version, v]));
    const ownPlaceholder =
      targetVersions.length > 0 &&
      targetVersions.every((v) => v.tags[PLACEHOLDER_TAG] === "true" && !sourceIds.has(v.version));
    if (ownPlaceholder) return this.#replacePlaceholderOfDisabled(target);
    const same = sourceIds.size === targetById.size && sourceVersions.every((v) => targetById.has(v.version));
    if (same) {
      const differing = sourceVersions.flatMap((v) => {
        const source = secretAttributesOf(v);
        const there = secretAttributesOf(targetById.get(v.version) as SecretVersionProperties);
        return attributeChanges(source, there).length > 0
          ? [{ version: v.version, source, target: there }]
          : [];
      });
      if (differing.length === 0) {
        return {
          decision: {
            action: "skip-unchanged",
            reason: `${DISABLED_NOTE}; the target holds the same ${sourceIds.size} versions (ids kept by backup/restore; a version's value never changes) with the same attributes`,
          },
        };
      }
      return {
        decision: {
          action: "update",
          reason: `${DISABLED_NOTE}; the target holds the same versions, attributes differ on ${differing.length}`,
          details: { versionsToUpdate: differing.length },
        },
        work: { how: "version-attributes", versions: differing },
      };
    }
    const missing = sourceVersions.filter((v) => !targetById.has(v.version)).length;
    const extra = targetVersions.filter((v) => !sourceIds.has(v.version)).length;
    return {
      decision: {
        action: "skip-unsupported",
        reason:
          `cannot compare: disabled — ${DISABLED_NOTE}, and the target does not hold the source's versions ` +
          `(${missing} of ${sourceIds.size} missing, ${extra} not in the source); enable the source secret to copy its value, ` +
          "or delete and purge the target's so backup/restore can copy it",
      },
    };
  }

  /** The target holds only this tool's placeholder of a disabled source secret. */
  #replacePlaceholderOfDisabled(target: TargetEntry): Planned {
    const { placement } = this.run;
    if (!placement.allowed) {
      return {
        decision: {
          action: "skip-unsupported",
          reason: `${PLACEHOLDER_NOTE}, ${DISABLED_NOTE}, and ${placement.reason}`,
        },
      };
    }
    if (!purgeableLevel(target.attributes?.recoveryLevel)) {
      return {
        decision: {
          action: "skip-unsupported",
          reason: `${PLACEHOLDER_NOTE}, ${DISABLED_NOTE}, and backup/restore needs the name free: the target vault keeps deleted names (purge protection); enable the source secret, or replace the placeholder by hand`,
        },
      };
    }
    return {
      decision: {
        action: "update",
        reason: `${PLACEHOLDER_NOTE}; ${DISABLED_NOTE}: the placeholder is deleted and purged, then the source restored from backup (all versions)`,
      },
      work: { how: "replace-restore" },
    };
  }

  /** Current version only: compare value and attributes with the target's current version. */
  async #planCurrent(item: SecretItem, target: TargetEntry, ctx: StepContext): Promise<Planned> {
    const { src, dst } = this.run;
    const source = await readSecretValue(src, item.name, undefined, ctx);
    if (target.attributes && !target.attributes.enabled) {
      return {
        decision: {
          action: "conflict",
          reason: "the target's current version is disabled, so its value cannot be compared",
        },
        work: { how: "write", versions: [source] },
      };
    }
    const current = await readCurrentSecret(dst, item.name, ctx);
    if (!current) {
      return {
        decision: {
          action: "conflict",
          reason: "the target's current version is disabled, so its value cannot be compared",
        },
        work: { how: "write", versions: [source] },
      };
    }
    if (isPlaceholder(current)) {
      return {
        decision: { action: "update", reason: `${PLACEHOLDER_NOTE}: replaced with the source value` },
        work: { how: "write", versions: [source] },
      };
    }
    if (source.value === current.value) {
      const changes = attributeChanges(source.attributes, current.attributes);
      if (changes.length === 0) return { decision: { action: "skip-unchanged" } };
      return {
        decision: {
          action: "update",
          reason: `same value; attributes differ (${changes.join(", ")})`,
          details: { changed: changes },
        },
        work: { how: "attributes", targetVersion: current.version, source, target: current.attributes },
      };
    }
    const work: SecretWork = { how: "write", versions: [source] };
    if (await this.#sourceHadValue(item, current.value, source.version, ctx)) {
      return {
        decision: {
          action: "update",
          reason: "the target holds an older value of the source (a stale copy)",
        },
        work,
      };
    }
    return {
      decision: { action: "conflict", reason: "the target holds a value the source never had" },
      work,
    };
  }

  /** Whether an older (readable) source version has this value. */
  async #sourceHadValue(item: SecretItem, value: string, except: string, ctx: StepContext): Promise<boolean> {
    const versions =
      item.properties.versions ?? (await listSecretVersions(this.run.src, item.name, ctx.signal));
    for (const v of versions) {
      if (!v.enabled || v.version === except) continue;
      const older = await readSecretValue(this.run.src, item.name, v.version, ctx);
      if (older.value === value) return true;
    }
    return false;
  }

  /**
   * Every version: the source's current version is the one GET returns; the others are ordered by
   * `createdOn` (equal times by version id). The target is compared as a SET of version digests
   * (value and attributes): when it holds every source version and its current version is the
   * source's, nothing is written. Otherwise the missing versions are written oldest first and the
   * current one last, so the target's current value is the source's.
   */
  async #planAllVersions(item: SecretItem, ctx: StepContext): Promise<Planned> {
    const { src, dst } = this.run;
    const [source, target] = await Promise.all([
      readHistory(src, item.name, ctx, item.properties.versions),
      readHistory(dst, item.name, ctx),
    ]);
    const current = source.current;
    if (!current) return { decision: { action: "skip-unsupported", reason: DISABLED_NOTE } };
    const skippedNote =
      source.disabled > 0
        ? ` (${source.disabled} disabled source versions cannot be read and are not copied)`
        : "";
    const targetCurrent = target.current;
    if (targetCurrent && isPlaceholder(targetCurrent)) {
      return {
        decision: {
          action: "update",
          reason: `${PLACEHOLDER_NOTE}: replaced with the source's ${source.versions.length} versions${skippedNote}`,
          details: { versionsToWrite: source.versions.length },
        },
        work: { how: "write", versions: source.versions },
      };
    }
    const digest = (v: SecretVersionValue) => secretDigest(v.value, v.attributes);
    const present = new Set(target.versions.map(digest));
    const missing = source.versions.filter((v) => v !== current && !present.has(digest(v)));
    const currentMatches = targetCurrent !== undefined && digest(targetCurrent) === digest(current);
    if (missing.length === 0 && currentMatches) {
      return {
        decision: { action: "skip-unchanged", ...(skippedNote ? { reason: skippedNote.trim() } : {}) },
      };
    }
    if (missing.length === 0 && targetCurrent && targetCurrent.value === current.value) {
      const changes = attributeChanges(current.attributes, targetCurrent.attributes);
      return {
        decision: {
          action: "update",
          reason: `same value; attributes differ (${changes.join(", ")})`,
          details: { changed: changes },
        },
        work: {
          how: "attributes",
          targetVersion: targetCurrent.version,
          source: current,
          target: targetCurrent.attributes,
        },
      };
    }
    const toWrite = [...missing, current];
    const work: SecretWork = { how: "write", versions: toWrite };
    const sourceValues = new Set(source.versions.map((v) => v.value));
    const reason = `${toWrite.length} of ${source.versions.length} versions to write${skippedNote}`;
    if (targetCurrent && sourceValues.has(targetCurrent.value)) {
      return { decision: { action: "update", reason, details: { versionsToWrite: toWrite.length } }, work };
    }
    return {
      decision: {
        action: "conflict",
        reason: targetCurrent
          ? "the target's current value is not one the source ever had"
          : "the target's current version is disabled, so its value cannot be compared",
        details: { versionsToWrite: toWrite.length },
      },
      work,
    };
  }

  async apply(action: PlannedAction<SecretItem, TargetEntry>, ctx: StepContext): Promise<ApplyResult> {
    const item = action.source;
    let work = this.#pending.get(item.key);
    this.#pending.delete(item.key);
    let prefix = "";
    if (action.target?.deleted) {
      const { cleared, note } = await clearDeletedName(
        this.run,
        "secret",
        item.name,
        action.target.purgeable,
        ctx,
      );
      prefix = `${cleared} the soft-deleted secret${note ? " (purge protection)" : ""}`;
      if (cleared === "recovered") return this.#afterRecovery(item, prefix, ctx);
    }
    try {
      return this.#withPrefix(await this.#carryOut(item, work ?? this.#defaultWork(), ctx), prefix);
    } catch (error) {
      if (!isDeletedButRecoverable(error)) throw error;
      // The name was deleted after we listed the target: free it, then write.
      const purgeable = await isPurgeable(this.run.dst, "secret", item.name);
      const { cleared } = await clearDeletedName(this.run, "secret", item.name, purgeable, ctx);
      if (cleared === "recovered") return this.#afterRecovery(item, "recovered the soft-deleted secret", ctx);
      work ??= this.#defaultWork();
      return this.#withPrefix(await this.#carryOut(item, work, ctx), "purged the soft-deleted secret");
    }
  }

  #defaultWork(): SecretWork {
    return this.run.mode === "template" ? { how: "placeholder" } : { how: "copy" };
  }

  #withPrefix(result: ApplyResult, prefix: string): ApplyResult {
    if (!prefix) return result;
    return { ...result, reason: result.reason ? `${prefix}, then ${result.reason}` : prefix };
  }

  /** A recovered secret holds its old value: compare again and write what differs. */
  async #afterRecovery(item: SecretItem, prefix: string, ctx: StepContext): Promise<ApplyResult> {
    if (this.run.mode === "template") {
      return { status: "updated", reason: `${prefix}; template mode keeps its value` };
    }
    const properties = await this.run.dst.secrets.getSecret(item.name, abortOptions(ctx.signal)).then(
      (s) => {
        ctx.redactor.addSecret(s.value ?? "");
        return s.properties;
      },
      (error: unknown) => {
        if (isDisabledSecret(error)) return undefined;
        throw error;
      },
    );
    const entry = properties
      ? liveEntry("secret", item.key, item.name, properties)
      : { ...liveEntry("secret", item.key, item.name, { enabled: false }), attributes: undefined };
    const { decision, work } = await this.#plan(item, entry, ctx);
    if (decision.action === "skip-unchanged" || decision.action === "skip-unsupported" || !work) {
      return { status: "updated", reason: `${prefix}; it already matched the source` };
    }
    const result = await this.#carryOut(item, work, ctx);
    return { status: "updated", reason: `${prefix}, then ${result.reason ?? "wrote the source value"}` };
  }

  async #carryOut(item: SecretItem, work: SecretWork, ctx: StepContext): Promise<ApplyResult> {
    const { src, dst } = this.run;
    switch (work.how) {
      case "restore": {
        const blob = await src.secrets.backupSecret(item.name, abortOptions(ctx.signal));
        if (!blob) throw new Error(`the source returned no backup for secret ${item.name}`);
        await dst.secrets.restoreSecretBackup(blob, abortOptions(ctx.signal));
        return {
          reason: `copied with backup/restore (all versions${item.properties.enabled ? "" : ", disabled as in the source"})`,
          details: { method: "backup-restore" },
        };
      }
      case "placeholder": {
        const attributes = secretAttributesOf(item.properties);
        await dst.secrets.setSecret(
          item.name,
          PLACEHOLDER_VALUE,
          setOptionsOf({ ...attributes, tags: { ...attributes.tags, [PLACEHOLDER_TAG]: "true" } }, ctx),
        );
        return {
          reason: `placeholder value, tagged ${PLACEHOLDER_TAG}=true`,
          details: { method: "placeholder" },
        };
      }
      case "replace-restore": {
        const blob = await src.secrets.backupSecret(item.name, abortOptions(ctx.signal));
        if (!blob) throw new Error(`the source returned no backup for secret ${item.name}`);
        await removeOwnPlaceholder(this.run, "secret", item.name, ctx);
        await dst.secrets.restoreSecretBackup(blob, abortOptions(ctx.signal));
        return {
          reason:
            "replaced this tool's placeholder: deleted and purged it, then restored the source (all versions, disabled as in the source)",
          details: { method: "backup-restore", placeholderReplaced: true },
        };
      }
      case "version-attributes": {
        for (const v of work.versions) {
          await dst.secrets.updateSecretProperties(item.name, v.version, patchOf(v.source, v.target, ctx));
        }
        return {
          reason: `attributes of ${work.versions.length} versions updated (same versions, no new one)`,
          details: { method: "update-properties", versionsUpdated: work.versions.length },
        };
      }
      case "copy": {
        const versions =
          this.run.options.versions === "all"
            ? await readHistory(src, item.name, ctx, item.properties.versions)
            : { versions: [await readSecretValue(src, item.name, undefined, ctx)], disabled: 0 };
        await this.#write(item.name, versions.versions, ctx);
        return this.#written(versions.versions.length, versions.disabled);
      }
      case "write":
        await this.#write(item.name, work.versions, ctx);
        return this.#written(work.versions.length, 0);
      case "attributes":
        return this.#updateAttributes(item, work, ctx);
    }
  }

  #written(count: number, disabled: number): ApplyResult {
    const skipped =
      disabled > 0 ? `; ${disabled} disabled versions could not be read and were not copied` : "";
    return {
      reason: `${count} version${count === 1 ? "" : "s"} written${skipped}`,
      details: { method: "set", versionsWritten: count },
      ...(disabled > 0
        ? { warnings: [`some disabled secret versions could not be read and were not copied`] }
        : {}),
    };
  }

  async #write(name: string, versions: readonly SecretVersionValue[], ctx: StepContext): Promise<void> {
    // One after the other: the order of versions is the order of writes.
    for (const v of versions)
      await this.run.dst.secrets.setSecret(name, v.value, setOptionsOf(v.attributes, ctx));
  }

  async #updateAttributes(
    item: SecretItem,
    work: Extract<SecretWork, { how: "attributes" }>,
    ctx: StepContext,
  ): Promise<ApplyResult> {
    const source = work.source.attributes;
    // PATCH cannot remove a date: when the source has none but the target has one, write a version.
    const clearsDate =
      (!source.notBefore && work.target.notBefore) || (!source.expiresOn && work.target.expiresOn);
    if (clearsDate) {
      await this.#write(item.name, [work.source], ctx);
      return { reason: "a date had to be removed: wrote the value again as a new version" };
    }
    await this.run.dst.secrets.updateSecretProperties(
      item.name,
      work.targetVersion,
      patchOf(source, work.target, ctx),
    );
    return { reason: "attributes updated (no new version)", details: { method: "update-properties" } };
  }
}

/**
 * A PATCH that makes a version's attributes the source's. Tags are sent only when they differ
 * (`{}` then clears them), so an untagged version is not given `tags: {}`.
 */
function patchOf(source: SecretAttributes, target: SecretAttributes, ctx: StepContext) {
  const tagsDiffer = attributeChanges(source, target).includes("tags");
  return {
    ...abortOptions(ctx.signal),
    enabled: source.enabled,
    ...(tagsDiffer ? { tags: { ...source.tags } } : {}),
    ...defined({
      contentType: source.contentType ?? (target.contentType ? "" : undefined),
      notBefore: dateOf(source.notBefore),
      expiresOn: dateOf(source.expiresOn),
    }),
  };
}
