import type { ShareServiceClient } from "@azure/storage-file-share";

/**
 * SMB permissions (security descriptors) are stored per share and referenced by a key that
 * means nothing in another share. This translates keys through their SDDL, once per key.
 */
export class SmbPermissions {
  readonly #sourceSddl = new Map<string, Promise<string>>();
  readonly #targetSddl = new Map<string, Promise<string>>();
  readonly #targetKey = new Map<string, Promise<string>>();

  constructor(
    private readonly source: ShareServiceClient,
    private readonly target: ShareServiceClient,
  ) {}

  #cached(map: Map<string, Promise<string>>, key: string, load: () => Promise<string>): Promise<string> {
    let entry = map.get(key);
    if (!entry) {
      entry = load();
      map.set(key, entry);
      entry.catch(() => map.delete(key));
    }
    return entry;
  }

  sourceSddl(share: string, key: string): Promise<string> {
    return this.#cached(
      this.#sourceSddl,
      `${share}\u0000${key}`,
      async () => (await this.source.getShareClient(share).getPermission(key)).permission,
    );
  }

  targetSddl(share: string, key: string): Promise<string> {
    return this.#cached(
      this.#targetSddl,
      `${share}\u0000${key}`,
      async () => (await this.target.getShareClient(share).getPermission(key)).permission,
    );
  }

  /** Whether a source item and its target counterpart carry the same security descriptor (reads only). */
  async same(share: string, sourceKey: string | undefined, targetKey: string | undefined): Promise<boolean> {
    if (!sourceKey || !targetKey) return true;
    const [a, b] = await Promise.all([this.sourceSddl(share, sourceKey), this.targetSddl(share, targetKey)]);
    return a === b;
  }

  /** The target share's key for the source key's descriptor, creating it there if needed. */
  targetKeyFor(share: string, sourceKey: string): Promise<string> {
    return this.#cached(this.#targetKey, `${share}\u0000${sourceKey}`, async () => {
      const sddl = await this.sourceSddl(share, sourceKey);
      const created = await this.target.getShareClient(share).createPermission(sddl);
      if (!created.filePermissionKey) throw new Error(`the target share ${share} returned no permission key`);
      return created.filePermissionKey;
    });
  }
}
