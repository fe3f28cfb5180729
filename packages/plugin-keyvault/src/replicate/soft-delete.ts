import { abortableSleep, type StepContext } from "@dataplane/core";
import { abortOptions } from "../vault/abort.js";
import type { VaultClients } from "../vault/clients.js";
import { isNotFound } from "../vault/errors.js";
import type { ReplicationRun } from "./run.js";

export type ObjectKind = "secret" | "key" | "certificate";

/** What was done to a soft-deleted target name before writing it. */
export type Cleared = "recovered" | "purged";

const RECOVER_POLL_MS = 250;
const PURGE_WAIT_MS = 60_000;

async function recover(dst: VaultClients, kind: ObjectKind, name: string, ctx: StepContext): Promise<void> {
  const options = { ...abortOptions(ctx.signal), intervalInMs: RECOVER_POLL_MS };
  const poller =
    kind === "secret"
      ? await dst.secrets.beginRecoverDeletedSecret(name, options)
      : kind === "key"
        ? await dst.keys.beginRecoverDeletedKey(name, options)
        : await dst.certificates.beginRecoverDeletedCertificate(name, options);
  await poller.pollUntilDone();
}

async function purge(dst: VaultClients, kind: ObjectKind, name: string, ctx: StepContext): Promise<void> {
  const abort = abortOptions(ctx.signal);
  if (kind === "secret") await dst.secrets.purgeDeletedSecret(name, abort);
  else if (kind === "key") await dst.keys.purgeDeletedKey(name, abort);
  else await dst.certificates.purgeDeletedCertificate(name, abort);
  // A purge completes asynchronously in the service: wait until the deleted object is gone.
  const deadline = Date.now() + PURGE_WAIT_MS;
  for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 2000)) {
    try {
      if (kind === "secret") await dst.secrets.getDeletedSecret(name, abort);
      else if (kind === "key") await dst.keys.getDeletedKey(name, abort);
      else await dst.certificates.getDeletedCertificate(name, abort);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    await abortableSleep(delay, ctx.signal);
  }
}

/**
 * Frees a target name held by a soft-deleted object: recovered by default, purged with
 * `--purge-deleted` when the vault allows it (under purge protection it is recovered instead).
 */
export async function clearDeletedName(
  run: ReplicationRun,
  kind: ObjectKind,
  name: string,
  purgeable: boolean,
  ctx: StepContext,
): Promise<{ cleared: Cleared; note?: string }> {
  if (run.options.purgeDeleted && purgeable) {
    await purge(run.dst, kind, name, ctx);
    return { cleared: "purged" };
  }
  await recover(run.dst, kind, name, ctx);
  if (run.options.purgeDeleted) {
    const note = `${kind} ${name}: the target vault has purge protection, so the soft-deleted ${kind} was recovered instead of purged`;
    ctx.warn(note);
    return { cleared: "recovered", note };
  }
  return { cleared: "recovered" };
}

/** Whether a deleted entry allows purging, read from the service when the listing did not say. */
export async function isPurgeable(dst: VaultClients, kind: ObjectKind, name: string): Promise<boolean> {
  try {
    const deleted =
      kind === "secret"
        ? (await dst.secrets.getDeletedSecret(name)).properties
        : kind === "key"
          ? (await dst.keys.getDeletedKey(name)).properties
          : await dst.certificates.getDeletedCertificate(name);
    const level = (deleted as { recoveryLevel?: string }).recoveryLevel;
    return level === undefined || /purgeable/i.test(level);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Deletes this tool's own template-mode placeholder from the target and purges it, so that a
 * backup of the source can be restored under its name. Only planned when the target's recovery
 * level allows a purge (or deletes are final), which the caller checks.
 */
export async function removeOwnPlaceholder(
  run: ReplicationRun,
  kind: ObjectKind,
  name: string,
  ctx: StepContext,
): Promise<void> {
  const { dst } = run;
  const options = { ...abortOptions(ctx.signal), intervalInMs: RECOVER_POLL_MS };
  const poller =
    kind === "secret"
      ? await dst.secrets.beginDeleteSecret(name, options)
      : kind === "key"
        ? await dst.keys.beginDeleteKey(name, options)
        : await dst.certificates.beginDeleteCertificate(name, options);
  await poller.pollUntilDone();
  try {
    await purge(dst, kind, name, ctx);
  } catch (error) {
    // A vault without soft delete keeps nothing to purge.
    if (!isNotFound(error)) throw error;
  }
}
