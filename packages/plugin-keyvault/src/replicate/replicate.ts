import { createHash } from "node:crypto";
import type {
  AzureResource,
  Partition,
  PlanDecision,
  PlannedAction,
  ReplicateContext,
  ReplicationResult,
  ReplicationSteps,
  StepContext,
} from "@dataplane/core";
import { discoverCertificates } from "../discover/certificates.js";
import { discoverKeys } from "../discover/keys.js";
import { discoverSecrets } from "../discover/secrets.js";
import { discoverContacts, discoverIssuers, issuerNameOf } from "../discover/settings.js";
import { itemKey, type KeyVaultItem } from "../items.js";
import { readOptions } from "../options.js";
import { abortOptions } from "../vault/abort.js";
import { createVaultClients } from "../vault/clients.js";
import { vaultUriOf } from "../vault/endpoint.js";
import { backupPlacement } from "../vault/placement.js";
import { CertificateReplicator } from "./certificates.js";
import { KeyReplicator } from "./keys.js";
import { removeEntry } from "./remove.js";
import type { ReplicationRun } from "./run.js";
import { SecretReplicator } from "./secrets.js";
import { SettingsReplicator } from "./settings.js";
import { deletedEntry, liveEntry, liveThenDeleted, readTargetEntry, type TargetEntry } from "./targets.js";

/**
 * Partitions: certificate issuers and contacts first (stage 0: certificates may need an
 * issuer), then secrets, keys and certificates side by side (stage 1).
 */
const PARTITIONS: readonly Partition[] = [
  {
    id: "certificate-settings",
    stage: 0,
    label: "certificate issuers and contacts",
    kind: "certificate-issuer",
  },
  { id: "secrets", stage: 1, label: "secrets", kind: "secret" },
  { id: "keys", stage: 1, label: "keys", kind: "key" },
  { id: "certificates", stage: 1, label: "certificates", kind: "certificate" },
];

/** Items in flight when the user gives no `--max-in-flight`. */
const DEFAULT_CONCURRENCY = 32;

const fingerprints = new WeakMap<KeyVaultItem, string>();

/** The item's state (its properties are built in a fixed order): a resumed run redoes changed items. */
function fingerprint(item: KeyVaultItem): string {
  let f = fingerprints.get(item);
  if (f === undefined) {
    f = createHash("sha256").update(JSON.stringify(item.properties)).digest("hex").slice(0, 32);
    fingerprints.set(item, f);
  }
  return f;
}

/** Replicates one vault into another through core's engine. */
export async function replicateVault(
  pluginName: string,
  source: AzureResource,
  target: AzureResource,
  context: ReplicateContext,
): Promise<ReplicationResult> {
  const options = readOptions(context.options);
  const run: ReplicationRun = {
    source,
    target,
    src: createVaultClients(vaultUriOf(source), context.source, context.http, options.pace),
    dst: createVaultClients(vaultUriOf(target), context.target, context.http, options.pace),
    options,
    mode: context.mode,
    placement: backupPlacement(source, target),
    newKeyMaterial: [],
    recreatedEarlier: new Set(),
    recreatedCertificates: [],
  };
  const secrets = new SecretReplicator(run);
  const keys = new KeyReplicator(run);
  const certificates = new CertificateReplicator(run);
  const settings = new SettingsReplicator(run);
  // Names are case-insensitive in Key Vault: a target entry is also found by its lower-case key.
  const byLowerKey = new Map<string, TargetEntry>();
  /** Items whose target was read afresh (a retry): their absence is not looked up in the listing. */
  const readAfresh = new Set<string>();
  const lookup = (item: KeyVaultItem, found: TargetEntry | undefined) =>
    found ?? (readAfresh.has(item.key) ? undefined : byLowerKey.get(item.key.toLowerCase()));
  const scope = (ctx: StepContext) => ({ versions: options.versions, signal: ctx.signal });

  const steps: ReplicationSteps<KeyVaultItem, TargetEntry> = {
    defaultConcurrency: DEFAULT_CONCURRENCY,
    partitions: () => PARTITIONS,

    listSource(partition, ctx): AsyncIterable<KeyVaultItem> {
      switch (partition?.id) {
        case "certificate-settings":
          return (async function* () {
            yield* discoverIssuers(run.src, source.id, ctx.redactor, ctx.signal);
            yield* discoverContacts(run.src, source.id, ctx.signal);
          })();
        case "secrets":
          return discoverSecrets(run.src, source.id, scope(ctx));
        case "keys":
          return discoverKeys(run.src, source.id, scope(ctx));
        default:
          return discoverCertificates(run.src, source.id, scope(ctx));
      }
    },

    async *listTarget(partition, ctx): AsyncIterable<TargetEntry> {
      const abort = abortOptions(ctx.signal);
      const { dst } = run;
      let entries: AsyncIterable<TargetEntry>;
      switch (partition?.id) {
        case "certificate-settings":
          entries = (async function* () {
            for await (const p of dst.certificates.listPropertiesOfIssuers(abort)) {
              const name = issuerNameOf(p);
              if (name) yield liveEntry("certificate-issuer", itemKey.issuer(name), name, {});
            }
          })();
          break;
        case "secrets":
          entries = liveThenDeleted(
            (async function* () {
              for await (const p of dst.secrets.listPropertiesOfSecrets(abort))
                yield liveEntry("secret", itemKey.secret(p.name), p.name, p);
            })(),
            (async function* () {
              for await (const d of dst.secrets.listDeletedSecrets(abort))
                yield deletedEntry("secret", itemKey.secret(d.name), d.name, d.properties.recoveryLevel);
            })(),
          );
          break;
        case "keys":
          entries = liveThenDeleted(
            (async function* () {
              for await (const p of dst.keys.listPropertiesOfKeys(abort))
                yield liveEntry("key", itemKey.key(p.name), p.name, p);
            })(),
            (async function* () {
              for await (const d of dst.keys.listDeletedKeys(abort))
                yield deletedEntry("key", itemKey.key(d.name), d.name, d.properties.recoveryLevel);
            })(),
          );
          break;
        default:
          entries = liveThenDeleted(
            (async function* () {
              for await (const p of dst.certificates.listPropertiesOfCertificates(abort)) {
                if (p.name) yield liveEntry("certificate", itemKey.certificate(p.name), p.name, p);
              }
            })(),
            (async function* () {
              for await (const d of dst.certificates.listDeletedCertificates(abort)) {
                yield deletedEntry(
                  "certificate",
                  itemKey.certificate(d.name),
                  d.name,
                  d.properties.recoveryLevel,
                );
              }
            })(),
          );
      }
      for await (const entry of entries) {
        byLowerKey.set(entry.key.toLowerCase(), entry);
        yield entry;
      }
    },

    remove: (entry, ctx) => removeEntry(run, entry, ctx),

    readTarget(item, ctx) {
      readAfresh.add(item.key);
      return readTargetEntry(run, item, ctx);
    },

    plan(item, found, ctx): Promise<PlanDecision> {
      const target = lookup(item, found);
      switch (item.kind) {
        case "secret":
          return secrets.plan(item, target, ctx);
        case "key":
          return keys.plan(item, target, ctx);
        case "certificate":
          return certificates.plan(item, target, ctx);
        default:
          return settings.plan(item, target, ctx);
      }
    },

    apply(action, ctx) {
      const item = action.source;
      const target = lookup(item, action.target);
      const resolved = { ...action, target };
      switch (item.kind) {
        case "secret":
          return secrets.apply(resolved as PlannedAction<typeof item, TargetEntry>, ctx);
        case "key":
          return keys.apply(resolved as PlannedAction<typeof item, TargetEntry>, ctx);
        case "certificate":
          return certificates.apply(resolved as PlannedAction<typeof item, TargetEntry>, ctx);
        default:
          return settings.apply(resolved as PlannedAction<typeof item, TargetEntry>, ctx);
      }
    },

    fingerprint,

    async finish() {
      const warnings: string[] = [];
      if (run.newKeyMaterial.length > 0) {
        const names = run.newKeyMaterial.slice(0, 20).join(", ");
        warnings.push(
          `${run.newKeyMaterial.length} keys were re-created with NEW key material (${names}${run.newKeyMaterial.length > 20 ? ", …" : ""}): ` +
            "data encrypted or signed with the source keys cannot be decrypted or verified with them",
        );
      }
      if (run.recreatedEarlier.size > 0) {
        const names = [...run.recreatedEarlier].sort();
        warnings.push(
          `${names.length} keys in the target hold other key material than the source's, by design: they were re-created (${names.slice(0, 20).join(", ")}${names.length > 20 ? ", …" : ""})`,
        );
      }
      if (run.recreatedCertificates.length > 0) {
        warnings.push(
          `${run.recreatedCertificates.length} certificates were re-created from their policy with new keys (${run.recreatedCertificates.slice(0, 20).join(", ")}): their private keys are not exportable`,
        );
      }
      return { warnings };
    },
  };

  return context.engine.run(steps, {
    plugin: pluginName,
    sourceResourceId: source.id,
    targetResourceId: target.id,
  });
}
