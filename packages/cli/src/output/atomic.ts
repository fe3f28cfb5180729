import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** A file that appears whole or not at all: written aside, renamed at the end. */
export class AtomicFile {
  readonly #partial: string;
  #fd: number | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#partial = `${path}.partial`;
    this.#fd = openSync(this.#partial, "w");
  }

  write(text: string): void {
    if (this.#fd === undefined) throw new Error(`${this.path} is closed`);
    writeSync(this.#fd, text);
  }

  commit(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    renameSync(this.#partial, this.path);
  }

  discard(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.#partial, { force: true });
  }
}
