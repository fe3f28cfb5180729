import { once } from "node:events";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { Redactor } from "../contract/context.js";
import type { ItemOutcome, ReplicationResult } from "../contract/result.js";

export interface ReportRun {
  readonly plugin: string;
  readonly source: string;
  readonly target: string;
}

/**
 * `--report <file.json>`: every item's outcome plus the run summaries, in one JSON document.
 * Items stream to a side file while the run goes, so a million outcomes are never held in
 * memory; the final file appears whole at the end (written aside, then renamed).
 */
export class ReportWriter {
  readonly #itemsPath: string;
  #fd: number | undefined;
  #count = 0;

  constructor(
    readonly path: string,
    private readonly redactor: Redactor,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.#itemsPath = `${path}.items.partial`;
    this.#fd = openSync(this.#itemsPath, "w");
  }

  get count(): number {
    return this.#count;
  }

  record(run: ReportRun, outcome: ItemOutcome): void {
    if (this.#fd === undefined) return;
    const line = JSON.stringify({ plugin: run.plugin, source: run.source, target: run.target, ...outcome });
    writeSync(this.#fd, `${this.#count === 0 ? "" : ",\n"}${this.redactor.redact(line)}`);
    this.#count++;
  }

  /** Writes the final document: `{ version, generatedAt, summary, runs, items }`. */
  async finish(summary: Record<string, unknown>, runs: readonly ReplicationResult[]): Promise<void> {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
    const partial = `${this.path}.partial`;
    const out = createWriteStream(partial);
    const head = {
      version: 1,
      generatedAt: new Date().toISOString(),
      summary,
      runs,
    };
    const headText = this.redactor.redact(JSON.stringify(head, null, 2));
    out.write(`${headText.slice(0, -2)},\n  "items": [\n`);
    const items = createReadStream(this.#itemsPath);
    items.pipe(out, { end: false });
    await once(items, "end");
    out.write("\n  ]\n}\n");
    out.end();
    await once(out, "finish");
    renameSync(partial, this.path);
    rmSync(this.#itemsPath, { force: true });
  }

  /** Removes the side file without writing a report (a run that could not start). */
  discard(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.#itemsPath, { force: true });
  }
}
