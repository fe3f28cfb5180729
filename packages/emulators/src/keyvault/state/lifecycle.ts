import { type HandlerResult, ok, pageByName, type RequestContext } from "../server/context.js";
import { deletedObjectNotFound, forbidden, type ObjectKind, objectNotFound } from "../server/errors.js";
import { nowSeconds } from "./attributes.js";
import { assertObjectName } from "./ids.js";
import type { DeletedObject, ObjectStore, StoredObject } from "./object-store.js";
import { SortedNames } from "./sorted-names.js";
import type { Collection, VaultState } from "./vault.js";

/**
 * The lifecycle every object kind shares — list, list versions, delete, list/get deleted,
 * recover, purge — parameterised by how a kind is stored and rendered.
 */
export interface ObjectKindOps<V extends { version: string }, M> {
  kind: ObjectKind;
  collection: Collection;
  deletedCollection: Collection;
  store(vault: VaultState): ObjectStore<V, M>;
  /** The full representation (never a secret value). */
  bundle(vault: VaultState, object: StoredObject<V, M>, v: V): Record<string, unknown>;
  /** The list representation; ids without version unless `withVersion`. */
  item(vault: VaultState, object: StoredObject<V, M>, v: V, withVersion: boolean): Record<string, unknown>;
  /** Versions that are shown (certificates hide pending ones). */
  visible?(v: V): boolean;
  /** Managed objects back certificates and refuse direct lifecycle operations. */
  isManaged(object: StoredObject<V, M>): boolean;
}

export function nameOf(ctx: RequestContext): string {
  const name = ctx.segments[1] as string;
  assertObjectName(name);
  return name;
}

/** The version named in the path, or undefined for the latest (`/kind/x` or `/kind/x/`). */
export function versionOf(ctx: RequestContext): string | undefined {
  const version = ctx.segments[2];
  return version === undefined || version === "" ? undefined : version;
}

export function latestVisible<V extends { version: string }, M>(
  ops: ObjectKindOps<V, M>,
  object: StoredObject<V, M>,
): V | undefined {
  for (let i = object.versions.length - 1; i >= 0; i--) {
    const v = object.versions[i] as V;
    if (!ops.visible || ops.visible(v)) return v;
  }
  return undefined;
}

export function findLive<V extends { version: string }, M>(
  ops: ObjectKindOps<V, M>,
  vault: VaultState,
  name: string,
): StoredObject<V, M> {
  const object = ops.store(vault).get(name);
  if (!object || object.versions.length === 0) throw objectNotFound(ops.kind, name);
  return object;
}

export function findVersion<V extends { version: string }, M>(
  ops: ObjectKindOps<V, M>,
  object: StoredObject<V, M>,
  name: string,
  version: string | undefined,
): V {
  const v =
    version === undefined ? object.versions[object.versions.length - 1] : object.byVersion.get(version);
  if (!v) throw objectNotFound(ops.kind, name, version);
  return v;
}

export function refuseManaged<V extends { version: string }, M>(
  ops: ObjectKindOps<V, M>,
  object: StoredObject<V, M>,
  operation: string,
): void {
  if (ops.isManaged(object))
    throw forbidden(`Operation ${operation} is not allowed on a managed ${ops.kind}.`);
}

export function deletedFields(
  vault: VaultState,
  collection: Collection,
  name: string,
  deleted: { deletedDate: number; scheduledPurgeDate: number },
): Record<string, unknown> {
  return {
    recoveryId: vault.id(collection, name),
    deletedDate: deleted.deletedDate,
    scheduledPurgeDate: deleted.scheduledPurgeDate,
  };
}

export function listObjects<V extends { version: string }, M>(ctx: RequestContext, ops: ObjectKindOps<V, M>) {
  const store = ops.store(ctx.vault);
  return ok(
    pageByName(ctx, store.liveNames, (key) => {
      const object = store.getByKey(key);
      const latest = object && latestVisible(ops, object);
      return object && latest ? ops.item(ctx.vault, object, latest, false) : undefined;
    }),
  );
}

export function listVersions<V extends { version: string }, M>(
  ctx: RequestContext,
  ops: ObjectKindOps<V, M>,
) {
  const name = nameOf(ctx);
  const object = findLive(ops, ctx.vault, name);
  // The service lists versions by version id (random hex), not by age: so do we, so that clients
  // cannot lean on an order the service does not give (the current one is what GET returns).
  const ids = SortedNames.of(object.versions.map((v) => v.version));
  return ok(
    pageByName(ctx, ids, (id) => {
      const v = object.byVersion.get(id);
      return v && (!ops.visible || ops.visible(v)) ? ops.item(ctx.vault, object, v, true) : undefined;
    }),
  );
}

/** Deletes (soft when the vault has soft delete); returns the deleted-bundle fields. */
export function deleteObject<V extends { version: string }, M>(
  vault: VaultState,
  ops: ObjectKindOps<V, M>,
  object: StoredObject<V, M>,
  now = nowSeconds(),
): Record<string, unknown> {
  const latest = latestVisible(ops, object) ?? (object.versions[object.versions.length - 1] as V);
  const retention = vault.retentionFor(now);
  ops.store(vault).remove(object.name, retention);
  const bundle = ops.bundle(vault, object, latest);
  return retention
    ? { ...bundle, ...deletedFields(vault, ops.deletedCollection, object.name, retention) }
    : bundle;
}

export function listDeleted<V extends { version: string }, M>(ctx: RequestContext, ops: ObjectKindOps<V, M>) {
  const store = ops.store(ctx.vault);
  return ok(
    pageByName(ctx, store.deletedNames, (key) => {
      const deleted = store.getDeletedByKey(key);
      const latest = deleted && latestVisible(ops, deleted.object);
      if (!deleted || !latest) return undefined;
      return {
        ...ops.item(ctx.vault, deleted.object, latest, false),
        ...deletedFields(ctx.vault, ops.deletedCollection, deleted.object.name, deleted),
      };
    }),
  );
}

export function findDeleted<V extends { version: string }, M>(
  ops: ObjectKindOps<V, M>,
  vault: VaultState,
  name: string,
): DeletedObject<V, M> {
  const deleted = ops.store(vault).getDeleted(name);
  if (!deleted || deleted.object.versions.length === 0) throw deletedObjectNotFound(ops.kind, name);
  return deleted;
}

export function getDeleted<V extends { version: string }, M>(ctx: RequestContext, ops: ObjectKindOps<V, M>) {
  const name = nameOf(ctx);
  const deleted = findDeleted(ops, ctx.vault, name);
  const latest = latestVisible(ops, deleted.object) ?? (deleted.object.versions.at(-1) as V);
  return ok({
    ...ops.bundle(ctx.vault, deleted.object, latest),
    ...deletedFields(ctx.vault, ops.deletedCollection, deleted.object.name, deleted),
  });
}

export function assertPurgeAllowed(vault: VaultState): void {
  if (vault.settings.purgeProtection) {
    throw forbidden(
      'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.',
    );
  }
}

/** Purges one deleted object (no cascade); the caller checks managed and protection rules. */
export function purgeObject<V extends { version: string }, M>(
  vault: VaultState,
  ops: ObjectKindOps<V, M>,
  name: string,
) {
  ops.store(vault).takeDeleted(name);
}

/** Recovers one deleted object (no cascade); returns it. */
export function recoverObject<V extends { version: string }, M>(
  vault: VaultState,
  ops: ObjectKindOps<V, M>,
  name: string,
): StoredObject<V, M> | undefined {
  const deleted = ops.store(vault).takeDeleted(name);
  if (deleted) ops.store(vault).putObject(deleted.object);
  return deleted?.object;
}

/** Standard purge of a kind without dependants. */
export function purgeDeleted<V extends { version: string }, M>(
  ctx: RequestContext,
  ops: ObjectKindOps<V, M>,
): HandlerResult {
  const name = nameOf(ctx);
  const deleted = findDeleted(ops, ctx.vault, name);
  assertPurgeAllowed(ctx.vault);
  refuseManaged(ops, deleted.object, "purge");
  purgeObject(ctx.vault, ops, name);
  ctx.vault.stats.itemsPurged++;
  return { status: 204 };
}

/** Standard recover of a kind without dependants. */
export function recoverDeleted<V extends { version: string }, M>(
  ctx: RequestContext,
  ops: ObjectKindOps<V, M>,
): HandlerResult {
  const name = nameOf(ctx);
  const deleted = findDeleted(ops, ctx.vault, name);
  refuseManaged(ops, deleted.object, "recover");
  const object = recoverObject(ctx.vault, ops, name) as StoredObject<V, M>;
  ctx.vault.stats.itemsRecovered++;
  const latest = latestVisible(ops, object) ?? (object.versions.at(-1) as V);
  return ok(ops.bundle(ctx.vault, object, latest));
}

/** Standard delete of a kind without dependants. */
export function deleteStandalone<V extends { version: string }, M>(
  ctx: RequestContext,
  ops: ObjectKindOps<V, M>,
): HandlerResult {
  const name = nameOf(ctx);
  const object = findLive(ops, ctx.vault, name);
  refuseManaged(ops, object, "delete");
  const body = deleteObject(ctx.vault, ops, object);
  ctx.vault.stats.itemsDeleted++;
  return ok(body);
}
