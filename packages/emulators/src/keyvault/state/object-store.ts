import { SortedNames } from "./sorted-names.js";

/** One named object (secret, key or certificate) and all its versions, oldest first. */
export interface StoredObject<V extends { version: string }, M> {
  /** The name as first written; lookups are case-insensitive like the service's. */
  name: string;
  versions: V[];
  byVersion: Map<string, V>;
  meta: M;
}

export interface DeletedObject<V extends { version: string }, M> {
  object: StoredObject<V, M>;
  /** Unix seconds. */
  deletedDate: number;
  /** Unix seconds. */
  scheduledPurgeDate: number;
}

/**
 * Live and soft-deleted objects of one kind in one vault, each side with a sorted name index
 * for paging.
 */
export class ObjectStore<V extends { version: string }, M> {
  private readonly live = new Map<string, StoredObject<V, M>>();
  private readonly deleted = new Map<string, DeletedObject<V, M>>();
  readonly liveNames = new SortedNames();
  readonly deletedNames = new SortedNames();

  constructor(private readonly newMeta: () => M) {}

  get(name: string): StoredObject<V, M> | undefined {
    return this.live.get(name.toLowerCase());
  }

  getByKey(key: string): StoredObject<V, M> | undefined {
    return this.live.get(key);
  }

  getDeleted(name: string): DeletedObject<V, M> | undefined {
    return this.deleted.get(name.toLowerCase());
  }

  getDeletedByKey(key: string): DeletedObject<V, M> | undefined {
    return this.deleted.get(key);
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** The object for `name`, created empty when missing. */
  ensure(name: string): StoredObject<V, M> {
    const key = name.toLowerCase();
    let object = this.live.get(key);
    if (!object) {
      object = { name, versions: [], byVersion: new Map(), meta: this.newMeta() };
      this.live.set(key, object);
      this.liveNames.add(key);
    }
    return object;
  }

  addVersion(name: string, version: V): StoredObject<V, M> {
    const object = this.ensure(name);
    object.versions.push(version);
    object.byVersion.set(version.version, version);
    return object;
  }

  /** Puts a whole object back (restore, recover). */
  putObject(object: StoredObject<V, M>): void {
    const key = object.name.toLowerCase();
    this.live.set(key, object);
    this.liveNames.add(key);
  }

  /** Removes the live object; keeps it as deleted when `retention` is given. */
  remove(
    name: string,
    retention?: { deletedDate: number; scheduledPurgeDate: number },
  ): StoredObject<V, M> | undefined {
    const key = name.toLowerCase();
    const object = this.live.get(key);
    if (!object) return undefined;
    this.live.delete(key);
    this.liveNames.remove(key);
    if (retention) {
      this.deleted.set(key, { object, ...retention });
      this.deletedNames.add(key);
    }
    return object;
  }

  /** Takes a deleted object out of the deleted set (for recover or purge). */
  takeDeleted(name: string): DeletedObject<V, M> | undefined {
    const key = name.toLowerCase();
    const deleted = this.deleted.get(key);
    if (!deleted) return undefined;
    this.deleted.delete(key);
    this.deletedNames.remove(key);
    return deleted;
  }

  latest(object: StoredObject<V, M>): V | undefined {
    return object.versions[object.versions.length - 1];
  }
}
