// startFilesEmulator: an in-process HTTP server speaking the Azure Files REST API, path-style
// (`http://127.0.0.1:PORT/<account>/<share>/<dir>/<file>`), several accounts, state in memory.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SparseContent } from "./content.js";
import type { EmulatorServices } from "./handlers/context.js";
import { foldName, parseItemPath, validateMetadata, validateShareName } from "./names.js";
import { createRequestListener } from "./server.js";
import {
  DEFAULT_DIRECTORY_ATTRIBUTES,
  DEFAULT_FILE_ATTRIBUTES,
  formatSmbTime,
  parseAttributes,
  parseSmbTime,
} from "./smb.js";
import { type FilesAccountStats, StatsRecorder } from "./stats.js";
import {
  type Account,
  addChild,
  type DirectoryNode,
  type FileNode,
  newDirectory,
  newEtag,
  newFileId,
  newShare,
  removeChild,
  type Share,
  type SmbProperties,
} from "./store.js";
import { type FilesThrottling, Throttle } from "./throttling.js";

export interface FilesEmulatorAccount {
  name: string;
  /** Base64 account key; a random 64-byte key when omitted. */
  key?: string;
}

export interface FilesEmulatorOptions {
  accounts: FilesEmulatorAccount[];
  /** Listening address; `127.0.0.1` by default (loopback only). */
  host?: string;
  /** `0` (default) picks a free port. */
  port?: number;
  /** How long an asynchronous copy stays `pending` before it runs (default 0). */
  copyDelayMs?: number;
  /** Service-like throttling for every account (default off); see `setThrottling`. */
  throttling?: FilesThrottling | false;
}

export interface SeedShareOptions {
  quota?: number;
  accessTier?: "TransactionOptimized" | "Hot" | "Cool" | "Premium";
  metadata?: Record<string, string>;
}

export interface SeedItemOptions {
  metadata?: Record<string, string>;
  /** `ReadOnly|Hidden`, … (file default `Archive`, directory `Directory`). */
  attributes?: string;
  creationTime?: Date | string;
  lastWriteTime?: Date | string;
  changeTime?: Date | string;
  /** A security descriptor in SDDL; the share's default when omitted. */
  permission?: string;
}

export interface SeedFileOptions extends SeedItemOptions {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  cacheControl?: string;
  contentDisposition?: string;
  /** The file's Content-MD5 property (base64 or raw 16 bytes). */
  contentMD5?: string | Uint8Array;
  /** File size when larger than the content (the rest reads as zeros). */
  size?: number;
}

export interface FilesEmulator {
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  accounts: Array<{ name: string; key: string }>;
  /** `http://127.0.0.1:PORT/<account>/` */
  fileEndpoint(account: string): string;
  /** A connection string the `@azure/storage-file-share` clients accept. */
  connectionString(account: string): string;
  stats(account: string): FilesAccountStats;
  resetStats(account?: string): void;
  /** Throttling for every account, or for one when `account` is given; `false` turns it off. */
  setThrottling(throttling: FilesThrottling | false, account?: string): void;
  /** Creates a share directly in memory (no HTTP); no-op if it exists. */
  seedShare(account: string, share: string, options?: SeedShareOptions): void;
  /** Creates a directory and any missing parents directly in memory. */
  seedDirectory(account: string, share: string, path: string, options?: SeedItemOptions): void;
  /** Creates (or replaces) a file, its share and parent directories directly in memory. */
  seedFile(
    account: string,
    share: string,
    path: string,
    content: string | Uint8Array,
    options?: SeedFileOptions,
  ): void;
  stop(): Promise<void>;
}

function toSmbTime(value: Date | string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  return value instanceof Date ? formatSmbTime(value) : parseSmbTime(value, "seed");
}

export async function startFilesEmulator(options: FilesEmulatorOptions): Promise<FilesEmulator> {
  if (options.accounts.length === 0) throw new Error("startFilesEmulator: at least one account is needed");
  const host = options.host ?? "127.0.0.1";
  const accounts = new Map<string, Account>();
  const keys: Array<{ name: string; key: string }> = [];
  for (const { name, key } of options.accounts) {
    if (!/^[a-z0-9]{3,24}$/.test(name)) {
      throw new Error(
        `startFilesEmulator: '${name}' is not a valid storage account name (3-24 lowercase letters or digits)`,
      );
    }
    const keyBase64 = key ?? randomBytes(64).toString("base64");
    accounts.set(name, {
      name,
      key: Buffer.from(keyBase64, "base64"),
      shares: new Map(),
      sortedShareNames: undefined,
    });
    keys.push({ name, key: keyBase64 });
  }
  let origin = "";
  let listeningPort = 0;
  const stopping = new AbortController();
  const services: EmulatorServices = {
    origin: () => origin,
    isOwnUrl: (url) => isOwnUrl(url, host, listeningPort),
    accounts,
    copyDelayMs: options.copyDelayMs ?? 0,
    pendingCopies: new Set(),
    stopping: stopping.signal,
  };
  const stats = new StatsRecorder();
  const throttle = new Throttle();
  if (options.throttling) throttle.set(options.throttling);
  const server: Server = createServer(
    { keepAliveTimeout: 5000 },
    createRequestListener({ services, stats, throttle }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  listeningPort = port;
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const accountOf = (name: string): Account => {
    const account = accounts.get(name);
    if (!account) throw new Error(`Files emulator: unknown account '${name}'`);
    return account;
  };
  const keyOf = (name: string): string => keys.find((k) => k.name === name)?.key ?? "";

  const ensureShare = (accountName: string, shareName: string): Share => {
    const account = accountOf(accountName);
    let share = account.shares.get(shareName);
    if (!share) {
      validateShareName(shareName);
      share = newShare(shareName);
      account.shares.set(shareName, share);
      account.sortedShareNames = undefined;
    }
    return share;
  };

  const seedSmb = (
    share: Share,
    parent: DirectoryNode,
    kind: "file" | "directory",
    seed: SeedItemOptions,
  ): SmbProperties => {
    const now = formatSmbTime(new Date());
    return {
      attributes:
        seed.attributes === undefined
          ? kind === "file"
            ? DEFAULT_FILE_ATTRIBUTES
            : DEFAULT_DIRECTORY_ATTRIBUTES
          : parseAttributes(seed.attributes, kind),
      creationTime: toSmbTime(seed.creationTime, now),
      lastWriteTime: toSmbTime(seed.lastWriteTime, now),
      changeTime: toSmbTime(seed.changeTime, now),
      lastAccessTime: now,
      permissionKey:
        seed.permission === undefined ? parent.smb.permissionKey : share.permissions.put(seed.permission),
    };
  };

  const ensureDirectories = (share: Share, components: readonly string[]): DirectoryNode => {
    let directory = share.root;
    for (const name of components) {
      const existing = directory.children.get(foldName(name));
      if (existing?.kind === "file") throw new Error(`Files emulator: '${name}' is a file, not a directory`);
      if (existing) {
        directory = existing;
        continue;
      }
      const created = newDirectory(name, directory, seedSmb(share, directory, "directory", {}));
      addChild(directory, created);
      directory = created;
    }
    return directory;
  };

  return {
    host,
    port,
    origin,
    accounts: keys.map((k) => ({ ...k })),
    fileEndpoint: (account) => `${origin}/${accountOf(account).name}/`,
    connectionString: (account) =>
      `DefaultEndpointsProtocol=http;AccountName=${accountOf(account).name};AccountKey=${keyOf(account)};FileEndpoint=${origin}/${account};`,
    stats: (account) => stats.snapshot(accountOf(account).name),
    resetStats: (account) => stats.reset(account),
    setThrottling: (throttling, account) =>
      throttle.set(throttling, account === undefined ? undefined : accountOf(account).name),
    seedShare(account, shareName, seed = {}) {
      const share = ensureShare(account, shareName);
      if (seed.quota !== undefined) share.quota = seed.quota;
      if (seed.accessTier !== undefined) share.accessTier = seed.accessTier;
      if (seed.metadata !== undefined) {
        validateMetadata(seed.metadata);
        share.metadata = { ...seed.metadata };
      }
    },
    seedDirectory(account, shareName, path, seed = {}) {
      const share = ensureShare(account, shareName);
      const components = parseItemPath(path, false);
      const directory = ensureDirectories(share, components);
      if (directory === share.root) return;
      if (seed.metadata) {
        validateMetadata(seed.metadata);
        directory.metadata = { ...seed.metadata };
      }
      directory.smb = seedSmb(share, directory.parent!, "directory", seed);
    },
    seedFile(account, shareName, path, content, seed = {}) {
      const share = ensureShare(account, shareName);
      const components = parseItemPath(path, false);
      if (components.length === 0) throw new Error("Files emulator: a file path is needed");
      const parent = ensureDirectories(share, components.slice(0, -1));
      const name = components[components.length - 1]!;
      const existing = parent.children.get(foldName(name));
      if (existing?.kind === "directory") throw new Error(`Files emulator: '${path}' is a directory`);
      const data = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
      const sparse = new SparseContent();
      sparse.write(0, data);
      const metadata = seed.metadata ?? {};
      validateMetadata(metadata);
      const md5 = seed.contentMD5;
      const now = new Date();
      const file: FileNode = {
        kind: "file",
        name,
        fileId: existing?.fileId ?? newFileId(),
        parent,
        metadata: { ...metadata },
        smb: seedSmb(share, parent, "file", seed),
        etag: newEtag(now),
        lastModified: now,
        size: Math.max(seed.size ?? 0, data.length),
        content: sparse,
        headers: {
          contentType: seed.contentType,
          contentEncoding: seed.contentEncoding,
          contentLanguage: seed.contentLanguage,
          cacheControl: seed.cacheControl,
          contentDisposition: seed.contentDisposition,
          contentMD5:
            md5 === undefined
              ? undefined
              : typeof md5 === "string"
                ? md5
                : Buffer.from(md5).toString("base64"),
        },
      };
      if (existing) removeChild(parent, existing.name);
      addChild(parent, file);
    },
    async stop() {
      stopping.abort();
      await Promise.race([
        Promise.allSettled([...services.pendingCopies]),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** The emulator's own address, however a loopback host is spelt; other hosts only as given. */
function isOwnUrl(url: URL, host: string, port: number): boolean {
  if (url.protocol !== "http:" || Number(url.port || 80) !== port) return false;
  const hostname = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const own = host.toLowerCase();
  if (hostname === own) return true;
  if (own === "0.0.0.0" || own === "::") return isLoopback(hostname);
  return isLoopback(own) && isLoopback(hostname);
}
