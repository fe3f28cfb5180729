import type {
  CertificateContentType,
  CertificateKeyCurveName,
  CertificateKeyType,
  CertificatePolicy,
  ImportCertificatePolicy,
  KeyUsageType,
  SubjectAlternativeNames,
} from "@azure/keyvault-certificates";
import type { ApplyResult, PlanDecision, PlannedAction, StepContext } from "@dataplane/core";
import { listCertificateVersions, policyOf, readCertificateItem } from "../discover/certificates.js";
import type { CertificateItem, CertificatePolicyJson, CertificateProperties } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import { isDeletedButRecoverable, isForeignBackup, isNotFound, messageOf } from "../vault/errors.js";
import { defined, stableJson } from "../vault/json.js";
import { PLACEHOLDER_TAG } from "./placeholder.js";
import type { ReplicationRun } from "./run.js";
import { clearDeletedName, isPurgeable, removeOwnPlaceholder } from "./soft-delete.js";
import type { TargetEntry } from "./targets.js";

type CertificateMethod = "import" | "backup-restore" | "policy";

const PEM = "application/x-pem-file";
const PLACEHOLDER_NOTE = "the target holds this tool's template-mode stand-in certificate";

/** Tags as a write sends them: none when there are none (an untagged source stays untagged). */
function tagsOption(tags: Readonly<Record<string, string>>): { tags?: Record<string, string> } {
  return Object.keys(tags).length > 0 ? { tags: { ...tags } } : {};
}
const RECREATE_POLL_MS = 250;

function policyEssentials(policy: CertificatePolicyJson): string {
  return stableJson({
    issuerName: (policy.issuerName ?? "").toLowerCase(),
    keyType: policy.keyType,
    keySize: policy.keySize,
    keyCurveName: policy.keyCurveName,
    exportable: policy.exportable,
    reuseKey: policy.reuseKey,
    contentType: policy.contentType,
    subject: policy.subject,
    subjectAlternativeNames: policy.subjectAlternativeNames,
    keyUsage: [...(policy.keyUsage ?? [])].sort(),
    enhancedKeyUsage: [...(policy.enhancedKeyUsage ?? [])].sort(),
    validityInMonths: policy.validityInMonths,
    lifetimeActions: policy.lifetimeActions,
  });
}

function sansOf(policy: CertificatePolicyJson): SubjectAlternativeNames | undefined {
  const s = policy.subjectAlternativeNames;
  if (!s) return undefined;
  const sans = defined({
    dnsNames: s.dnsNames,
    emails: s.emails,
    userPrincipalNames: s.userPrincipalNames,
    ipAddresses: s.ipAddresses,
    uniformResourceIdentifiers: s.uniformResourceIdentifiers,
  });
  return Object.keys(sans).length > 0 ? (sans as SubjectAlternativeNames) : undefined;
}

/** The key, secret and lifetime part of a policy (what an import may state). */
function basePolicy(policy: CertificatePolicyJson) {
  return defined({
    issuerName: policy.issuerName,
    certificateType: policy.certificateType,
    certificateTransparency: policy.certificateTransparency,
    keyType: policy.keyType as CertificateKeyType | undefined,
    keySize: policy.keySize,
    keyCurveName: policy.keyCurveName as CertificateKeyCurveName | undefined,
    exportable: policy.exportable,
    reuseKey: policy.reuseKey,
    keyUsage: policy.keyUsage as KeyUsageType[] | undefined,
    enhancedKeyUsage: policy.enhancedKeyUsage,
    validityInMonths: policy.validityInMonths,
    contentType: policy.contentType as CertificateContentType,
    lifetimeActions: policy.lifetimeActions?.map((a) =>
      defined({
        action: a.action as "EmailContacts" | "AutoRenew",
        daysBeforeExpiry: a.daysBeforeExpiry,
        lifetimePercentage: a.lifetimePercentage,
      }),
    ),
  });
}

function createPolicyOf(policy: CertificatePolicyJson, name: string, issuerName?: string): CertificatePolicy {
  const sans = sansOf(policy);
  return {
    ...basePolicy(policy),
    ...(issuerName ? { issuerName } : {}),
    subject: policy.subject ?? `CN=${name}`,
    ...(sans ? { subjectAlternativeNames: sans } : {}),
  } as CertificatePolicy;
}

function importPolicyOf(
  policy: CertificatePolicyJson,
  contentType: string | undefined,
): ImportCertificatePolicy {
  const base = basePolicy(policy);
  return { ...base, ...(contentType ? { contentType: contentType as CertificateContentType } : {}) };
}

/**
 * Certificates: with an exportable key, the PFX/PEM (the certificate's secret, private key
 * included) is imported into the target; otherwise backup/restore (same subscription and
 * geography) or a new certificate from the policy (new key, reported). Template mode always
 * creates from the policy and never reads the PFX.
 */
export class CertificateReplicator {
  constructor(private readonly run: ReplicationRun) {}

  #method(item: CertificateItem): CertificateMethod {
    if (this.run.mode === "template") return "policy";
    if (item.properties.policy.exportable !== false) return "import";
    return this.run.placement.allowed ? "backup-restore" : "policy";
  }

  #describe(method: CertificateMethod, item: CertificateItem): string {
    switch (method) {
      case "import":
        return "imported with its private key (exportable)";
      case "backup-restore":
        return "copied with backup/restore (private key not exportable)";
      case "policy":
        return this.run.mode === "template"
          ? "created from its policy (template mode)"
          : `re-created from its policy with a NEW key: the private key is not exportable and ${this.run.placement.reason}`;
    }
    return item.name;
  }

  /** Imported certificates (issuer Unknown) cannot be re-issued from their policy. */
  #unissuable(item: CertificateItem, method: CertificateMethod): boolean {
    return (
      method === "policy" &&
      this.run.mode !== "template" &&
      (item.properties.policy.issuerName ?? "Unknown").toLowerCase() === "unknown"
    );
  }

  async plan(
    item: CertificateItem,
    target: TargetEntry | undefined,
    ctx: StepContext,
  ): Promise<PlanDecision> {
    const method = this.#method(item);
    if (target?.deleted) {
      const purge = this.run.options.purgeDeleted && target.purgeable;
      return {
        action: "create",
        reason: `a soft-deleted certificate holds the name in the target: it is ${purge ? "purged" : "recovered"} first`,
      };
    }
    if (!target) {
      if (this.#unissuable(item, method)) {
        return {
          action: "skip-unsupported",
          reason: `an imported certificate whose private key is not exportable: ${this.run.placement.reason}, and it has no issuer to re-create it from`,
        };
      }
      return { action: "create", reason: this.#describe(method, item), details: { method } };
    }
    if (this.run.mode === "template") {
      return { action: "skip-unchanged", reason: "already in the target; template mode leaves it alone" };
    }
    const existing = await readCertificateItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    if (!existing) return { action: "create", reason: this.#describe(method, item), details: { method } };
    return this.#compare(item, existing.properties, method, ctx, target);
  }

  /** The target holds this tool's template-mode stand-in (tagged): replace it with the source's. */
  #replacePlaceholder(
    item: CertificateItem,
    method: CertificateMethod,
    entry: TargetEntry | undefined,
  ): PlanDecision {
    if (method !== "backup-restore") {
      return {
        action: "update",
        reason: `${PLACEHOLDER_NOTE}: replaced (${this.#describe(method, item)})`,
        details: { method, placeholderReplaced: true },
      };
    }
    const level = entry?.attributes?.recoveryLevel;
    if (!level || !/purgeable/i.test(level)) {
      return {
        action: "skip-unsupported",
        reason: `${PLACEHOLDER_NOTE}; its private key is not exportable, so backup/restore must copy it, which needs the name free, and the target vault keeps deleted names (purge protection): delete the stand-in there`,
      };
    }
    return {
      action: "update",
      reason: `${PLACEHOLDER_NOTE}: deleted and purged, then the source restored from backup`,
      details: { method, work: "replace-restore", placeholderReplaced: true },
    };
  }

  async #compare(
    item: CertificateItem,
    target: CertificateProperties,
    method: CertificateMethod,
    ctx: StepContext,
    entry?: TargetEntry,
  ): Promise<PlanDecision> {
    const source = item.properties;
    const samePolicy = policyEssentials(source.policy) === policyEssentials(target.policy);
    const sameCertificate = source.thumbprint !== undefined && source.thumbprint === target.thumbprint;
    if (
      !sameCertificate &&
      target.tags[PLACEHOLDER_TAG] === "true" &&
      source.tags[PLACEHOLDER_TAG] !== "true"
    ) {
      return this.#replacePlaceholder(item, method, entry);
    }
    if (sameCertificate) {
      const changes: string[] = [];
      if (source.enabled !== target.enabled) changes.push("enabled");
      if (stableJson(source.tags) !== stableJson(target.tags)) changes.push("tags");
      if (!samePolicy) changes.push("policy");
      const missing = await this.#missingVersions(item, method, ctx);
      if (missing > 0) {
        return {
          action: "update",
          reason: `${missing} older versions missing in the target: imported oldest first, the current one again last`,
          details: { method, work: "import-missing", versionsMissing: missing },
        };
      }
      if (changes.length === 0) return { action: "skip-unchanged" };
      return { action: "update", reason: `differs: ${changes.join(", ")}`, details: { changed: changes } };
    }
    if (method === "import") {
      const versions =
        source.versions ?? (await listCertificateVersions(this.run.src, item.name, ctx.signal));
      if (target.thumbprint && versions.some((v) => v.thumbprint === target.thumbprint)) {
        return {
          action: "update",
          reason: "the target holds an older version of the source certificate (a stale copy)",
          details: { method },
        };
      }
      return {
        action: "conflict",
        reason: "the target holds a different certificate (thumbprints differ)",
        details: { method },
      };
    }
    if (samePolicy) {
      return {
        action: "skip-unchanged",
        reason: "the private key is not exportable, so the thumbprints cannot match; the policy matches",
      };
    }
    return {
      action: "conflict",
      reason: "the target holds a different certificate with another policy",
      details: { method },
    };
  }

  /**
   * With `--versions all` and importable certificates: how many source versions (by thumbprint,
   * a set) the target lacks. A re-run that finds none writes nothing.
   */
  async #missingVersions(
    item: CertificateItem,
    method: CertificateMethod,
    ctx: StepContext,
  ): Promise<number> {
    if (this.run.options.versions !== "all" || method !== "import") return 0;
    const [source, target] = await Promise.all([
      item.properties.versions ??
        listCertificateVersions(this.run.src, item.name, ctx.signal, item.properties.version),
      listCertificateVersions(this.run.dst, item.name, ctx.signal),
    ]);
    const present = new Set(target.map((v) => v.thumbprint));
    return source.filter((v) => v.enabled && v.thumbprint && !present.has(v.thumbprint)).length;
  }

  /** Thumbprints of every target version (what an import of all versions may leave out). */
  async #targetThumbprints(item: CertificateItem, ctx: StepContext): Promise<Set<string>> {
    const versions = await listCertificateVersions(this.run.dst, item.name, ctx.signal);
    return new Set(versions.flatMap((v) => (v.thumbprint ? [v.thumbprint] : [])));
  }

  async apply(action: PlannedAction<CertificateItem, TargetEntry>, ctx: StepContext): Promise<ApplyResult> {
    const item = action.source;
    if (action.target?.deleted) {
      const { cleared } = await clearDeletedName(
        this.run,
        "certificate",
        item.name,
        action.target.purgeable,
        ctx,
      );
      if (cleared === "recovered") return this.#afterRecovery(item, ctx);
      return this.#prefixed(await this.#create(item, ctx), "purged the soft-deleted certificate");
    }
    if (action.action === "create") {
      try {
        return await this.#create(item, ctx);
      } catch (error) {
        if (!isDeletedButRecoverable(error)) throw error;
        const purgeable = await isPurgeable(this.run.dst, "certificate", item.name);
        const { cleared } = await clearDeletedName(this.run, "certificate", item.name, purgeable, ctx);
        if (cleared === "recovered") return this.#afterRecovery(item, ctx);
        return this.#prefixed(await this.#create(item, ctx), "purged the soft-deleted certificate");
      }
    }
    const work = action.details?.work;
    if (work === "replace-restore") {
      await removeOwnPlaceholder(this.run, "certificate", item.name, ctx);
      return this.#prefixed(await this.#create(item, ctx), "replaced this tool's template-mode stand-in");
    }
    if (work === "import-missing") {
      const imported = await this.#import(item, ctx, await this.#targetThumbprints(item, ctx));
      const existing = await readCertificateItem(this.run.dst, item.name, this.run.target.id, {
        versions: "latest",
        signal: ctx.signal,
      });
      if (existing) await this.#updateProperties(item, existing.properties, ctx);
      return imported;
    }
    const existing = await readCertificateItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    if (existing && item.properties.thumbprint === existing.properties.thumbprint) {
      return this.#updateProperties(item, existing.properties, ctx);
    }
    // A stale copy, this tool's stand-in or an overwritten conflict: a new version in the target.
    const method = this.#method(item);
    if (method === "import") {
      const present =
        this.run.options.versions === "all" ? await this.#targetThumbprints(item, ctx) : undefined;
      const imported = await this.#import(item, ctx, present);
      if (action.details?.placeholderReplaced) {
        // An import sends no tags for an untagged source: make sure the stand-in's tag is gone.
        const now = await readCertificateItem(this.run.dst, item.name, this.run.target.id, {
          versions: "latest",
          signal: ctx.signal,
        });
        if (now) await this.#updateProperties(item, now.properties, ctx);
      }
      return imported;
    }
    return this.#fromPolicy(item, ctx);
  }

  #prefixed(result: ApplyResult, prefix: string): ApplyResult {
    return { ...result, reason: result.reason ? `${prefix}, then ${result.reason}` : prefix };
  }

  async #afterRecovery(item: CertificateItem, ctx: StepContext): Promise<ApplyResult> {
    const prefix = "recovered the soft-deleted certificate";
    if (this.run.mode === "template")
      return { status: "updated", reason: `${prefix}; template mode keeps it` };
    const recovered = await readCertificateItem(this.run.dst, item.name, this.run.target.id, {
      versions: "latest",
      signal: ctx.signal,
    });
    const method = this.#method(item);
    const decision = recovered ? await this.#compare(item, recovered.properties, method, ctx) : undefined;
    if (decision?.action === "skip-unchanged")
      return { status: "updated", reason: `${prefix}; it matches the source` };
    if (
      decision?.action === "update" &&
      recovered &&
      item.properties.thumbprint === recovered.properties.thumbprint
    ) {
      return {
        ...this.#prefixed(await this.#updateProperties(item, recovered.properties, ctx), prefix),
        status: "updated",
      };
    }
    const result =
      method === "import"
        ? await this.#import(
            item,
            ctx,
            this.run.options.versions === "all" ? await this.#targetThumbprints(item, ctx) : undefined,
          )
        : await this.#fromPolicy(item, ctx);
    return { ...this.#prefixed(result, prefix), status: "updated" };
  }

  async #create(item: CertificateItem, ctx: StepContext): Promise<ApplyResult> {
    const method = this.#method(item);
    if (method === "import") return this.#import(item, ctx);
    if (method === "backup-restore") {
      const { src, dst } = this.run;
      const blob = await src.certificates.backupCertificate(item.name, abortOptions(ctx.signal));
      if (!blob) throw new Error(`the source returned no backup for certificate ${item.name}`);
      try {
        await dst.certificates.restoreCertificateBackup(blob, abortOptions(ctx.signal));
      } catch (error) {
        if (!isForeignBackup(error)) throw error;
        const result = await this.#fromPolicy(item, ctx);
        return {
          ...result,
          reason: `the target refused the backup (${messageOf(error)}); ${result.reason ?? ""}`,
        };
      }
      return { reason: this.#describe(method, item), details: { method } };
    }
    return this.#fromPolicy(item, ctx);
  }

  /**
   * Imports the certificate's secret (PFX or PEM with the private key) into the target: the
   * current version, or with `--versions all` every version oldest first.
   */
  async #import(
    item: CertificateItem,
    ctx: StepContext,
    present: ReadonlySet<string> = new Set(),
  ): Promise<ApplyResult> {
    const p = item.properties;
    // Every version in write order (the current one — what GET returned — last); versions the
    // target already holds are left out, except the current one, which is always written last.
    const versions =
      this.run.options.versions === "all"
        ? (
            p.versions ?? (await listCertificateVersions(this.run.src, item.name, ctx.signal, p.version))
          ).filter((v) => v.version === p.version || !v.thumbprint || !present.has(v.thumbprint))
        : [{ version: undefined, enabled: p.enabled, tags: p.tags }];
    let imported = 0;
    for (const v of versions) {
      const isCurrent = v.version === undefined || v.version === p.version;
      let secret: Awaited<ReturnType<typeof this.run.src.secrets.getSecret>>;
      try {
        secret = await this.run.src.secrets.getSecret(item.name, {
          ...abortOptions(ctx.signal),
          ...(v.version ? { version: v.version } : {}),
        });
      } catch (error) {
        // Older versions may be disabled (unreadable); the current one must be readable.
        if (!isCurrent && (isNotFound(error) || (error as { statusCode?: number }).statusCode === 403))
          continue;
        throw error;
      }
      const value = secret.value ?? "";
      ctx.redactor.addSecret(value);
      const contentType = secret.properties.contentType ?? p.policy.contentType;
      const bytes =
        contentType === PEM
          ? new Uint8Array(Buffer.from(value, "utf8"))
          : new Uint8Array(Buffer.from(value, "base64"));
      const result = await this.run.dst.certificates.importCertificate(item.name, bytes, {
        ...abortOptions(ctx.signal),
        policy: importPolicyOf(p.policy, contentType),
        enabled: isCurrent ? p.enabled : v.enabled,
        ...tagsOption(isCurrent ? p.tags : v.tags),
      });
      imported++;
      // An import derives parts of the policy from the certificate (validity, for one): set the source's.
      if (isCurrent && policyEssentials(policyOf(result.policy)) !== policyEssentials(p.policy)) {
        await this.run.dst.certificates.updateCertificatePolicy(
          item.name,
          createPolicyOf(p.policy, item.name),
          abortOptions(ctx.signal),
        );
      }
    }
    return {
      reason: `${this.#describe("import", item)}${imported > 1 ? `: ${imported} versions` : ""}`,
      details: { method: "import", versionsImported: imported },
    };
  }

  /** A new certificate from the source's policy (new key); other issuers complete it later. */
  async #fromPolicy(item: CertificateItem, ctx: StepContext): Promise<ApplyResult> {
    const p = item.properties;
    const template = this.run.mode === "template";
    const issuer = (p.policy.issuerName ?? "Unknown").toLowerCase();
    // An imported certificate has no issuer: template mode makes a self-signed stand-in.
    const issuerName = template && issuer === "unknown" ? "Self" : undefined;
    const tags = template ? { ...p.tags, [PLACEHOLDER_TAG]: "true" } : { ...p.tags };
    const poller = await this.run.dst.certificates.beginCreateCertificate(
      item.name,
      createPolicyOf(p.policy, item.name, issuerName),
      {
        ...abortOptions(ctx.signal),
        enabled: p.enabled,
        ...tagsOption(tags),
        intervalInMs: RECREATE_POLL_MS,
      },
    );
    if (!template) this.run.recreatedCertificates.push(item.name);
    const selfSigned = (issuerName ?? issuer) === "self";
    if (selfSigned) {
      await poller.pollUntilDone();
      return {
        reason: this.#describe("policy", item),
        details: { method: "policy", newKey: true },
      };
    }
    return {
      reason: `${this.#describe("policy", item)}; requested from issuer ${p.policy.issuerName}, pending until the issuer completes it`,
      details: { method: "policy", newKey: true, pending: true },
    };
  }

  async #updateProperties(
    item: CertificateItem,
    target: CertificateProperties,
    ctx: StepContext,
  ): Promise<ApplyResult> {
    const p = item.properties;
    const changed: string[] = [];
    const tagsDiffer = stableJson(p.tags) !== stableJson(target.tags);
    if (p.enabled !== target.enabled || tagsDiffer) {
      await this.run.dst.certificates.updateCertificateProperties(item.name, "", {
        ...abortOptions(ctx.signal),
        enabled: p.enabled,
        ...(tagsDiffer ? { tags: { ...p.tags } } : {}),
      });
      changed.push("properties");
    }
    if (policyEssentials(p.policy) !== policyEssentials(target.policy)) {
      await this.run.dst.certificates.updateCertificatePolicy(
        item.name,
        createPolicyOf(p.policy, item.name),
        {
          ...abortOptions(ctx.signal),
        },
      );
      changed.push("policy");
    }
    return {
      reason: `updated ${changed.join(" and ") || "nothing"} (same certificate)`,
      details: { changed },
    };
  }
}
