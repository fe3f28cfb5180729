import type { CertificateContact } from "@azure/keyvault-certificates";
import type { ApplyResult, PlanDecision, PlannedAction, StepContext } from "@dataplane/core";
import { issuerItemOf, readContacts, readIssuer } from "../discover/settings.js";
import type { ContactsItem, IssuerItem, IssuerProperties } from "../items.js";
import { abortOptions } from "../vault/abort.js";
import { defined, stableJson } from "../vault/json.js";
import type { ReplicationRun } from "./run.js";
import type { TargetEntry } from "./targets.js";

type SettingItem = IssuerItem | ContactsItem;

function issuerEssentials(p: IssuerProperties): string {
  return stableJson({
    provider: p.provider,
    accountId: p.accountId,
    organizationId: p.organizationId,
    administratorContacts: p.administratorContacts ?? [],
    enabled: p.enabled ?? true,
  });
}

function contactsEssentials(contacts: readonly { email?: string; name?: string; phone?: string }[]): string {
  return stableJson(
    contacts
      .map((c) => defined({ email: c.email, name: c.name, phone: c.phone }))
      .sort((a, b) => stableJson(a).localeCompare(stableJson(b))),
  );
}

/**
 * Vault-level certificate settings: issuers (provider, account, organisation, administrators)
 * and certificate contacts. Key Vault never returns an issuer's password, so it cannot be
 * copied: the run says so.
 */
export class SettingsReplicator {
  constructor(private readonly run: ReplicationRun) {}

  async plan(item: SettingItem, target: TargetEntry | undefined, ctx: StepContext): Promise<PlanDecision> {
    if (item.kind === "certificate-contacts") {
      const current = await readContacts(this.run.dst, ctx.signal);
      if (current.length === 0) return { action: "create" };
      const same =
        contactsEssentials(item.properties.contacts) ===
        contactsEssentials(current.map((c) => c as { email?: string; name?: string; phone?: string }));
      return same ? { action: "skip-unchanged" } : { action: "update", reason: "the contacts differ" };
    }
    if (!target) return { action: "create" };
    const existing = await readIssuer(this.run.dst, item.name, ctx.redactor, ctx.signal);
    if (!existing) return { action: "create" };
    const theirs = issuerItemOf({ ...existing, name: item.name }, this.run.dst.vaultUrl, this.run.target.id);
    if (issuerEssentials(theirs.properties) === issuerEssentials(item.properties)) {
      return { action: "skip-unchanged" };
    }
    return {
      action: "update",
      reason: "the issuer's provider, account, organisation or administrators differ",
    };
  }

  async apply(action: PlannedAction<SettingItem, TargetEntry>, ctx: StepContext): Promise<ApplyResult> {
    const item = action.source;
    if (item.kind === "certificate-contacts") {
      const contacts = item.properties.contacts.map((c) => defined(c)) as CertificateContact[];
      await this.run.dst.certificates.setContacts(contacts, abortOptions(ctx.signal));
      return { reason: `${contacts.length} contacts set` };
    }
    const source = await readIssuer(this.run.src, item.name, ctx.redactor, ctx.signal);
    const p = item.properties;
    const options = {
      ...abortOptions(ctx.signal),
      ...defined({
        accountId: p.accountId,
        organizationId: p.organizationId,
        enabled: p.enabled,
        administratorContacts: p.administratorContacts?.map((a) => defined(a)),
        // Key Vault does not return passwords; copy one only if this service did.
        password: this.run.mode === "template" ? undefined : source?.password,
      }),
    };
    const provider = p.provider ?? source?.provider ?? "";
    if (action.action === "create") {
      await this.run.dst.certificates.createIssuer(item.name, provider, options);
    } else {
      await this.run.dst.certificates.updateIssuer(item.name, { ...options, provider });
    }
    const warning =
      p.accountId && !source?.password
        ? `certificate issuer ${item.name}: Key Vault does not return issuer passwords; set it on the target (az keyvault certificate issuer update --vault-name <target> --issuer-name ${item.name} --password …)`
        : undefined;
    return {
      reason: warning ? "copied without its password (Key Vault does not return it)" : "copied",
      ...(warning ? { warnings: [warning] } : {}),
    };
  }
}
