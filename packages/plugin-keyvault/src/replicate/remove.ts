import type { RemoveResult, StepContext } from "@dataplane/core";
import { abortOptions } from "../vault/abort.js";
import { isNotFound } from "../vault/errors.js";
import type { ReplicationRun } from "./run.js";
import type { TargetEntry } from "./targets.js";

/**
 * Mirror mode: deletes one secret, key or certificate the source vault does not have. Delete,
 * never purge: with soft delete (the default on every vault) it stays recoverable for the
 * vault's retention period. Secrets and keys that back a certificate go with their certificate;
 * names already soft-deleted and certificate issuers or contacts are left as they are.
 */
export async function removeEntry(
  run: ReplicationRun,
  entry: TargetEntry,
  ctx: StepContext,
): Promise<RemoveResult> {
  if (entry.deleted) return { status: "skipped-unchanged", reason: "already deleted in the target" };
  if (entry.managed) return { status: "skipped-unchanged", reason: "backs a certificate: deleted with it" };
  const abort = abortOptions(ctx.signal);
  try {
    switch (entry.kind) {
      case "secret":
        await run.dst.secrets.beginDeleteSecret(entry.name, abort);
        return { reason: "not in the source (soft-deleted, recoverable)" };
      case "key":
        await run.dst.keys.beginDeleteKey(entry.name, abort);
        return { reason: "not in the source (soft-deleted, recoverable)" };
      case "certificate":
        await run.dst.certificates.beginDeleteCertificate(entry.name, abort);
        return { reason: "not in the source (soft-deleted with its key and secret, recoverable)" };
      default:
        return { status: "skipped-unsupported", reason: `mirror mode does not delete ${entry.kind}s` };
    }
  } catch (error) {
    if (isNotFound(error)) return { reason: "not in the source (already gone from the target)" };
    throw error;
  }
}
