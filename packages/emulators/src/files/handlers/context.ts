// What every handler receives, and what it returns.
import type { SasGrant } from "../auth/sas.js";
import type { Operation } from "../operations.js";
import type { FileRequest } from "../request.js";
import type { Account } from "../store.js";

export type HeaderValue = string | number | undefined;

/** A body written chunk by chunk (downloads of large files). */
export interface StreamBody {
  length: number;
  chunks: Iterable<Buffer>;
}

export interface Reply {
  status: number;
  headers?: Record<string, HeaderValue>;
  body?: Buffer | string | StreamBody;
  contentType?: string;
}

/** How the request was authenticated. */
export type Authentication = { kind: "sharedKey" } | { kind: "sas"; grant: SasGrant };

/** Services of the emulator a handler may use (the copy engine, its own address). */
export interface EmulatorServices {
  /** `http://127.0.0.1:PORT` */
  origin(): string;
  /**
   * Whether a URL addresses this emulator: its port, and its host or (when the emulator listens
   * on a loopback address) any spelling of loopback — `localhost`, `127.0.0.1`, `[::1]`.
   */
  isOwnUrl(url: URL): boolean;
  accounts: Map<string, Account>;
  /** Delay before an asynchronous copy completes (to observe `pending`), in ms. */
  copyDelayMs: number;
  /** Copies still running, so `stop()` can wait for them. */
  pendingCopies: Set<Promise<void>>;
  /** Aborted when the emulator stops: copies waiting out `copyDelayMs` give up. */
  stopping: AbortSignal;
}

export interface HandlerContext {
  request: FileRequest;
  account: Account;
  operation: Operation;
  auth: Authentication;
  services: EmulatorServices;
  now: Date;
}

export type Handler = (context: HandlerContext) => Reply | Promise<Reply>;
