import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Redactor } from "../contract/context.js";
import { DataplaneError, ErrorCodes } from "../errors/errors.js";

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

/** Where finished items are remembered so that `--resume` neither redoes nor duplicates them. */
export interface CheckpointStore {
  /** Entries of the run being resumed (empty for a fresh run). */
  isDone(key: string, fingerprint?: string): boolean;
  readonly resumedCount: number;
  record(entry: JournalEntry): void;
  close(): void;
}

/**
 * An append-only journal of finished items, one JSON line each, written with a system call
 * per line (no user-space buffer), so a SIGKILL at any moment loses at most the line being
 * written. No values: only keys, statuses and fingerprints, passed through the redactor.
 */
export class FileJournal implements CheckpointStore {
  readonly #done = new Map<string, string>();
  #fd: number | undefined;
  readonly #redactor: Redactor;
  #resumed = 0;

  private constructor(
    readonly path: string,
    redactor: Redactor,
  ) {
    this.#redactor = redactor;
  }

  /**
   * Opens the journal at `path`. With `resume`, finished entries of a previous run with the
   * same identity are loaded; without it, the journal starts afresh.
   */
  static open(
    path: string,
    identity: RunIdentity,
    options: { resume: boolean; redactor: Redactor },
  ): FileJournal {
    const journal = new FileJournal(path, options.redactor);
    mkdirSync(dirname(path), { recursive: true });
    const header = { type: "header", version: 1, ...identity };
    if (options.resume && existsSync(path)) {
      const lines = readFileSync(path, "utf8").split("\n");
      let first = true;
      for (const line of lines) {
        if (line.trim() === "") continue;
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          // A torn last line from a killed run: ignore it, the item is re-planned.
          continue;
        }
        if (first) {
          first = false;
          const same =
            parsed.type === "header" &&
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
          continue;
        }
        if (typeof parsed.k === "string")
          journal.#done.set(parsed.k, typeof parsed.f === "string" ? parsed.f : "");
      }
      journal.#resumed = journal.#done.size;
      journal.#fd = openSync(path, "a");
      if (first) journal.#write(header);
    } else {
      journal.#fd = openSync(path, "w");
      journal.#write(header);
    }
    fsyncSync(journal.#fd);
    return journal;
  }

  get resumedCount(): number {
    return this.#resumed;
  }

  isDone(key: string, fingerprint?: string): boolean {
    const stored = this.#done.get(key);
    if (stored === undefined) return false;
    return fingerprint === undefined || stored === "" || stored === fingerprint;
  }

  #write(value: object): void {
    if (this.#fd === undefined) throw new Error("journal closed");
    writeSync(this.#fd, `${this.#redactor.redact(JSON.stringify(value))}\n`);
  }

  record(entry: JournalEntry): void {
    this.#write({
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
