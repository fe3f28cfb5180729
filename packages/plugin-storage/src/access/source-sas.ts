import type { UserDelegationKey } from "@azure/storage-blob";
import {
  AccountSASPermissions as BlobAccountPermissions,
  type BlobServiceClient,
  StorageSharedKeyCredential as BlobSharedKey,
  ContainerSASPermissions,
  generateAccountSASQueryParameters as generateBlobAccountSas,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";
import {
  AccountSASPermissions as FileAccountPermissions,
  StorageSharedKeyCredential as FileSharedKey,
  generateAccountSASQueryParameters as generateFileAccountSas,
  generateFileSASQueryParameters,
  ShareSASPermissions,
  type ShareServiceClient,
} from "@azure/storage-file-share";
import type { Redactor } from "@dataplane/core";
import type { AccountCredential } from "./credentials.js";

/** A SAS lives this long: short, read-only, and renewed long before it runs out. */
export const SAS_LIFETIME_MS = 60 * 60 * 1000;
/** A SAS with less than this left is replaced before it is handed to another copy. */
export const SAS_RENEW_BEFORE_MS = 30 * 60 * 1000;
/** Clock skew allowance between us and the service. */
const SKEW_MS = 5 * 60 * 1000;

interface DelegationKey {
  readonly key: UserDelegationKey;
  readonly startsOn: Date;
  readonly expiresOn: Date;
}

interface Minted {
  readonly query: string;
  readonly expiresOn: number;
}

/**
 * Read-only access to source blobs and files for the target service's server-side copies:
 * an account SAS (read, objects only) when we hold the key, a user delegation SAS per
 * container or share with Entra ID, or the SAS the user configured. Each token is short-lived,
 * renewed when less than half its life remains, and registered with the redactor before
 * anything else sees it.
 */
export class SourceSas {
  readonly #cache = new Map<string, Promise<Minted>>();
  /** One user delegation key per service, shared by the containers' (shares') SAS. */
  readonly #keys = new Map<"blob" | "file", Promise<DelegationKey>>();

  constructor(
    private readonly credential: AccountCredential,
    private readonly accountName: string,
    private readonly redactor: Redactor,
    private readonly services: { readonly blob?: BlobServiceClient; readonly file?: ShareServiceClient },
    private readonly now: () => number = Date.now,
  ) {}

  /** `?`-less query string that lets the target read blobs of this container. */
  blobQuery(container: string): Promise<string> {
    return this.#get(this.credential.kind === "token" ? `b:${container}` : "b", () =>
      this.#mintBlob(container),
    );
  }

  /** `?`-less query string that lets the target read files of this share. */
  fileQuery(share: string): Promise<string> {
    return this.#get(this.credential.kind === "token" ? `f:${share}` : "f", () => this.#mintFile(share));
  }

  async #get(key: string, mint: () => Promise<Minted>): Promise<string> {
    for (;;) {
      const entry = this.#cache.get(key) ?? this.#start(key, mint);
      const minted = await entry;
      if (minted.expiresOn - this.now() > SAS_RENEW_BEFORE_MS) return minted.query;
      // Too little life left for another copy: the next caller mints a fresh one.
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    }
  }

  #start(key: string, mint: () => Promise<Minted>): Promise<Minted> {
    const entry = mint();
    this.#cache.set(key, entry);
    entry.catch(() => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return entry;
  }

  /** The service's user delegation key, fetched once and replaced on the SAS schedule. */
  async #delegationKey(service: "blob" | "file"): Promise<DelegationKey> {
    for (;;) {
      let entry = this.#keys.get(service);
      if (!entry) {
        const { startsOn, expiresOn } = this.#window();
        const client = this.services[service];
        if (!client) throw new Error(`no ${service} service client for the source`);
        entry = client.getUserDelegationKey(startsOn, expiresOn).then((key) => {
          this.redactor.addSecret(key.value);
          return { key, startsOn, expiresOn };
        });
        this.#keys.set(service, entry);
        const started = entry;
        started.catch(() => {
          if (this.#keys.get(service) === started) this.#keys.delete(service);
        });
      }
      const delegation = await entry;
      if (delegation.expiresOn.getTime() - this.now() > SAS_RENEW_BEFORE_MS) return delegation;
      if (this.#keys.get(service) === entry) this.#keys.delete(service);
    }
  }

  #register(query: string, expiresOn: number): Minted {
    this.redactor.addSecret(query);
    const sig = /(?:^|&)sig=([^&]+)/.exec(query)?.[1];
    if (sig) {
      this.redactor.addSecret(sig);
      this.redactor.addSecret(decodeURIComponent(sig));
    }
    return { query, expiresOn };
  }

  #window(): { startsOn: Date; expiresOn: Date } {
    const now = this.now();
    return { startsOn: new Date(now - SKEW_MS), expiresOn: new Date(now + SAS_LIFETIME_MS) };
  }

  async #mintBlob(container: string): Promise<Minted> {
    const c = this.credential;
    const { startsOn, expiresOn } = this.#window();
    if (c.kind === "sas") return { query: c.sasToken, expiresOn: Number.POSITIVE_INFINITY };
    if (c.kind === "sharedKey") {
      const query = generateBlobAccountSas(
        {
          startsOn,
          expiresOn,
          permissions: BlobAccountPermissions.parse("r"),
          services: "b",
          resourceTypes: "o",
        },
        new BlobSharedKey(c.accountName, c.accountKey),
      ).toString();
      return this.#register(query, expiresOn.getTime());
    }
    const delegation = await this.#delegationKey("blob");
    const query = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse("r"),
        startsOn: delegation.startsOn,
        expiresOn: delegation.expiresOn,
      },
      delegation.key,
      this.accountName,
    ).toString();
    return this.#register(query, delegation.expiresOn.getTime());
  }

  async #mintFile(share: string): Promise<Minted> {
    const c = this.credential;
    const { startsOn, expiresOn } = this.#window();
    if (c.kind === "sas") return { query: c.sasToken, expiresOn: Number.POSITIVE_INFINITY };
    if (c.kind === "sharedKey") {
      const query = generateFileAccountSas(
        {
          startsOn,
          expiresOn,
          permissions: FileAccountPermissions.parse("r"),
          services: "f",
          resourceTypes: "o",
        },
        new FileSharedKey(c.accountName, c.accountKey),
      ).toString();
      return this.#register(query, expiresOn.getTime());
    }
    const delegation = await this.#delegationKey("file");
    const query = generateFileSASQueryParameters(
      {
        shareName: share,
        permissions: ShareSASPermissions.parse("r"),
        startsOn: delegation.startsOn,
        expiresOn: delegation.expiresOn,
      },
      delegation.key,
      this.accountName,
    ).toString();
    return this.#register(query, delegation.expiresOn.getTime());
  }
}
