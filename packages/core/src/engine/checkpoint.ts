import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { Redactor } from "../contract/context.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";
import { comparatorOf, type KeyOrder } from "./order.js";

/** Identifies a run: a journal is only resumed by the same plugin, source, target, mode and shard. */
export interface RunIdentity {
  readonly plugin: string;
  readonly source: string;
  readonly target: string;
  readonly mode: string;
  readonly shard: string;
}

export interface JournalEntry {
  readonly key: string;
  readonly status: string;
  readonly fingerprint?: string;
}

/**
 * One partition's part of the checkpoint. The engine says which items it started, in listing
 * order, and when each settled (finished, failed or was stopped); `record` of the store says
 * which finished. From that the journal keeps a watermark ("every item started up to key K
 * finished, except these") for listings in key order, and a "complete" marker per partition,
 * so what a resume holds in memory is bounded by the items that were in flight, not by the
 * items done.
 */
export interface PartitionCheckpoint {
  /** Whether a previous run finished this item (and, given a fingerprint, in the same state). */
  isDone(key: string, fingerprint?: string): boolean;
  started(key: string): void;
  settled(key: string): void;
  /** The listing ended: once every started item has settled, the partition is complete. */
  listed(): void;
}

/** Where finished items are remembered so that `--resume` neither redoes nor duplicates them. */
export interface CheckpointStore {
  /** Entries of the run being resumed (empty for a fresh run). */
  isDone(key: string, fingerprint?: string): boolean;
  /** How many items the journal being resumed calls finished. */
  readonly resumedCount: number;
  record(entry: JournalEntry): void;
  close(): void;
  /**
   * One partition's view (optional for stores written elsewhere; without it the engine uses
   * `isDone` and `record` alone). `order`: the partition's items are started in this ascending
   * key order, which a watermark needs (undefined: no order).
   */
  partition?(id: string, order: KeyOrder | undefined): PartitionCheckpoint;
}

/** What a resumed journal says about one partition. */
interface ResumedPartition {
  complete: boolean;
  /** Every started item with a key ≤ this (in `order`) settled, done unless in `notDone`. */
  watermark?: string;
  order?: KeyOrder;
  /** Finished items above the watermark (key → fingerprint, "" when none). */
  readonly done: Map<string, string>;
  /** Items below the watermark or in a complete partition that did not finish. */
  readonly notDone: Set<string>;
}

function resumedPartition(): ResumedPartition {
  return { complete: false, done: new Map(), notDone: new Set() };
}

/** A partition being worked on in this run. */
class LivePartition implements PartitionCheckpoint {
  /** Started keys in order, from `head` on, not yet passed by the watermark. */
  #queue: string[] = [];
  #head = 0;
  readonly #settled = new Set<string>();
  /** Keys that settled without finishing (failed, stopped). */
  readonly #failed = new Set<string>();
  /** Keys started and recorded as finished, not yet settled. */
  readonly #finished = new Set<string>();
  #open = 0;
  #listed = false;
  #sinceMark = 0;
  #complete = false;

  constructor(
    readonly number: number,
    readonly order: KeyOrder | undefined,
    readonly resumed: ResumedPartition | undefined,
    readonly journal: FileJournal,
  ) {}

  isDone(key: string, fingerprint?: string): boolean {
    const r = this.resumed;
    if (!r || r.notDone.has(key)) return false;
    const stored = r.done.get(key);
    if (stored !== undefined) return fingerprint === undefined || stored === "" || stored === fingerprint;
    if (r.complete) return true;
    return (
      this.order !== undefined &&
      r.order === this.order &&
      r.watermark !== undefined &&
      comparatorOf(this.order)(key, r.watermark) <= 0
    );
  }

  started(key: string): void {
    this.#open++;
    this.#queue.push(key);
    this.journal.inFlight.set(key, this);
  }

  finished(key: string): void {
    this.#finished.add(key);
  }

  settled(key: string): void {
    this.#open--;
    if (this.journal.inFlight.get(key) === this) this.journal.inFlight.delete(key);
    if (!this.#finished.delete(key)) this.#failed.add(key);
    this.#settled.add(key);
    let passed: string | undefined;
    while (this.#head < this.#queue.length && this.#settled.has(this.#queue[this.#head]!)) {
      const k = this.#queue[this.#head++]!;
      this.#settled.delete(k);
      if (this.#failed.delete(k)) this.journal.write({ p: this.number, x: k });
      passed = k;
      this.#sinceMark++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    // A watermark line now and then: between them, the item lines keep the state.
    if (passed !== undefined && this.order !== undefined && this.#sinceMark >= WATERMARK_EVERY) {
      this.journal.write({ p: this.number, w: passed });
      this.#sinceMark = 0;
    }
    this.#maybeComplete();
  }

  listed(): void {
    this.#listed = true;
    this.#maybeComplete();
  }

  #maybeComplete(): void {
    if (!this.#listed || this.#open > 0 || this.#complete) return;
    this.#complete = true;
    // Items that did not finish are named before the marker, so a resume redoes them.
    for (const k of this.#failed) this.journal.write({ p: this.number, x: k });
    this.#failed.clear();
    this.journal.write({ p: this.number, c: 1 });
  }
}

/** Watermark lines are written once this many items have passed since the last one. */
const WATERMARK_EVERY = 1000;
const CHUNK = 1 << 20;

/**
 * Lines of a file, read in chunks (a journal of millions of lines is never one string). `torn`
 * marks a last line without its newline: what a kill in the middle of a write leaves.
 */
function* lines(fd: number): Generator<{ line: string; torn: boolean; number: number }> {
  const decoder = new StringDecoder("utf8");
  const buffer = Buffer.alloc(CHUNK);
  let rest = "";
  let number = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, CHUNK, null);
    const text = n === 0 ? decoder.end() : decoder.write(buffer.subarray(0, n));
    const parts = (rest + text).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) yield { line, torn: false, number: ++number };
    if (n === 0) break;
  }
  if (rest !== "") yield { line: rest, torn: true, number: ++number };
}

function unreadable(path: string, why: string): DataplaneError {
  return new DataplaneError(ErrorCodes.CheckpointInvalid, `the checkpoint ${path} cannot be read: ${why}`, {
    hint: "Run the same command without --resume to start afresh, or move the file away",
  });
}

/**
 * An append-only journal, one JSON line per event, written with a system call per line (no
 * user-space buffer), so a SIGKILL at any moment loses at most the line being written. No
 * values: only keys, statuses and fingerprints, passed through the redactor.
 *
 * Lines: a header; `{P, id}` names partition number P; `{p, k, s, f?}` an item finished;
 * `{p, x}` an item that did not finish although the watermark passed it; `{p, w}` the
 * watermark; `{p, c}` the partition is complete. Resuming reads it line by line, keeping only
 * what a later line does not cover, and rewrites it in that compact form (a new file renamed
 * over the old), so it does not grow across resumes.
 */
export class FileJournal implements CheckpointStore {
  #fd: number | undefined;
  readonly #redactor: Redactor;
  #resumed = 0;
  /** What the resumed journal says, per partition id ("" for lines without a partition). */
  readonly #previous = new Map<string, ResumedPartition>();
  readonly #numbers = new Map<string, number>();
  #nextNumber = 1;
  /** Started, not yet settled items → their partition (so `record` knows where a key belongs). */
  readonly inFlight = new Map<string, LivePartition>();

  private constructor(
    readonly path: string,
    redactor: Redactor,
  ) {
    this.#redactor = redactor;
  }

  /**
   * Opens the journal at `path`. With `resume`, what a previous run with the same identity
   * finished is loaded; without it, the journal starts afresh.
   */
  static open(
    path: string,
    identity: RunIdentity,
    options: { resume: boolean; redactor: Redactor },
  ): FileJournal {
    const journal = new FileJournal(path, options.redactor);
    mkdirSync(dirname(path), { recursive: true });
    const header = { type: "header", version: 2, ...identity };
    if (options.resume && existsSync(path)) {
      journal.#load(path, identity);
      journal.#compact(path, header);
    } else {
      journal.#fd = openSync(path, "w");
      journal.#write(header);
    }
    fsyncSync(journal.#fd!);
    return journal;
  }

  #load(path: string, identity: RunIdentity): void {
    const fd = openSync(path, "r");
    const names = new Map<number, { id: string; order?: KeyOrder }>();
    const part = (p: unknown): ResumedPartition => {
      const named = typeof p === "number" ? names.get(p) : undefined;
      const id = typeof p === "number" ? (named?.id ?? `#${p}`) : "";
      let r = this.#previous.get(id);
      if (!r) {
        r = resumedPartition();
        if (named?.order) r.order = named.order;
        this.#previous.set(id, r);
      }
      return r;
    };
    let first = true;
    let done = 0;
    try {
      for (const { line, torn, number } of lines(fd)) {
        if (line.trim() === "") continue;
        let parsed: Record<string, unknown>;
        try {
          const value: unknown = JSON.parse(line);
          if (typeof value !== "object" || value === null || Array.isArray(value))
            throw new Error("not an object");
          parsed = value as Record<string, unknown>;
        } catch {
          // A torn last line from a killed run: ignore it, the item is planned again.
          if (torn && !first) continue;
          throw unreadable(
            path,
            first ? "its first line is not a checkpoint header" : `line ${number} is not a journal entry`,
          );
        }
        if (first) {
          first = false;
          if (parsed.type !== "header" || typeof parsed.plugin !== "string") {
            throw unreadable(path, "its first line is not a checkpoint header");
          }
          const same =
            parsed.plugin === identity.plugin &&
            parsed.source === identity.source &&
            parsed.target === identity.target &&
            parsed.mode === identity.mode &&
            parsed.shard === identity.shard;
          if (!same) {
            throw new DataplaneError(
              ErrorCodes.CheckpointInvalid,
              `the checkpoint ${path} belongs to another run (${String(parsed.plugin)} ${String(parsed.source)} → ${String(parsed.target)}, mode ${String(parsed.mode)}, shard ${String(parsed.shard)})`,
              {
                hint: "Resume with the same source, target, mode and --shard, or give another --checkpoint file",
              },
            );
          }
          if (typeof parsed.done === "number") done = parsed.done;
          continue;
        }
        if (typeof parsed.P === "number" && typeof parsed.id === "string") {
          const order = parsed.o === "utf8" || parsed.o === "utf16" ? parsed.o : undefined;
          names.set(parsed.P, { id: parsed.id, ...(order ? { order } : {}) });
          continue;
        }
        const r = part(parsed.p);
        if (typeof parsed.k === "string") {
          r.done.set(parsed.k, typeof parsed.f === "string" ? parsed.f : "");
          r.notDone.delete(parsed.k);
          done++;
        } else if (typeof parsed.x === "string") {
          r.done.delete(parsed.x);
          r.notDone.add(parsed.x);
        } else if (typeof parsed.w === "string" && r.order !== undefined) {
          const w = parsed.w;
          const compare = comparatorOf(r.order);
          r.watermark = r.watermark === undefined || compare(w, r.watermark) > 0 ? w : r.watermark;
          for (const k of r.done.keys()) if (compare(k, w) <= 0) r.done.delete(k);
        } else if (parsed.c !== undefined) {
          r.complete = true;
          r.done.clear();
        }
      }
    } finally {
      closeSync(fd);
    }
    if (first) throw unreadable(path, "it is empty");
    this.#resumed = done;
  }

  /** Rewrites the loaded state as a new journal, renamed over the old one (atomic on POSIX). */
  #compact(path: string, header: object): void {
    const temporary = `${path}.compact`;
    this.#fd = openSync(temporary, "w");
    this.#write({ ...header, done: this.#resumed });
    for (const [id, r] of this.#previous) {
      if (id === "" && r.done.size === 0) continue;
      const p = this.#number(id, r.order);
      if (r.watermark !== undefined) this.#write({ p, w: r.watermark });
      for (const k of r.notDone) this.#write({ p, x: k });
      for (const [k, f] of r.done) this.#write({ p, k, s: "done", ...(f ? { f } : {}) });
      if (r.complete) this.#write({ p, c: 1 });
    }
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    renameSync(temporary, path);
    this.#fd = openSync(path, "a");
    try {
      const dir = openSync(dirname(path), "r");
      fsyncSync(dir);
      closeSync(dir);
    } catch {
      // a directory cannot be synced on every platform; the file itself is
    }
  }

  #number(id: string, order: KeyOrder | undefined): number {
    const named = `${order ?? ""}:${id}`;
    let n = this.#numbers.get(named);
    if (n === undefined) {
      n = this.#nextNumber++;
      this.#numbers.set(named, n);
      this.write({ P: n, id, ...(order ? { o: order } : {}) });
    }
    return n;
  }

  get resumedCount(): number {
    return this.#resumed;
  }

  isDone(key: string, fingerprint?: string): boolean {
    for (const r of this.#previous.values()) {
      const stored = r.done.get(key);
      if (stored !== undefined) return fingerprint === undefined || stored === "" || stored === fingerprint;
    }
    return false;
  }

  partition(id: string, order: KeyOrder | undefined): PartitionCheckpoint {
    const previous = this.#previous.get(id);
    const legacy = this.#previous.get("");
    // Lines of a journal written before partitions were named apply everywhere.
    const resumed =
      legacy && legacy.done.size > 0
        ? {
            ...(previous ?? resumedPartition()),
            done: new Map([...legacy.done, ...(previous?.done ?? [])]),
            notDone: previous?.notDone ?? new Set<string>(),
            complete: previous?.complete ?? false,
          }
        : previous;
    this.#previous.delete(id);
    return new LivePartition(this.#number(id, order), order, resumed, this);
  }

  /** One buffer for every line: a string per `writeSync` costs native memory the allocator keeps. */
  #buffer = Buffer.allocUnsafe(64 * 1024);

  #write(value: object): void {
    if (this.#fd === undefined) throw new Error("journal closed");
    const line = `${this.#redactor.redact(JSON.stringify(value))}\n`;
    if (Buffer.byteLength(line) > this.#buffer.length)
      this.#buffer = Buffer.allocUnsafe(Buffer.byteLength(line) * 2);
    const length = this.#buffer.write(line, 0);
    // One system call per line, as before: a kill leaves at most this line torn.
    let written = 0;
    while (written < length) written += writeSync(this.#fd, this.#buffer, written, length - written);
  }

  /** @internal Appends one line (used by the partitions). */
  write(value: object): void {
    this.#write(value);
  }

  record(entry: JournalEntry): void {
    const live = this.inFlight.get(entry.key);
    live?.finished(entry.key);
    this.#write({
      ...(live ? { p: live.number } : {}),
      k: entry.key,
      s: entry.status,
      ...(entry.fingerprint !== undefined ? { f: entry.fingerprint } : {}),
      t: new Date().toISOString(),
    });
  }

  close(): void {
    if (this.#fd !== undefined) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}

/** No checkpoint (library use, dry runs). */
export const noCheckpoint: CheckpointStore = {
  isDone: () => false,
  resumedCount: 0,
  record() {},
  close() {},
};
