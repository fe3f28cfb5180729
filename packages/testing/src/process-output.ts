import { format } from "node:util";
import type { Captured } from "./canaries.js";

type Stream = "stdout" | "stderr";

const CONSOLE_METHODS = {
  log: "stdout",
  info: "stdout",
  debug: "stdout",
  warn: "stderr",
  error: "stderr",
  trace: "stderr",
} as const satisfies Record<string, Stream>;

/** What a plugin printed while the capture ran, past `context.logger`. */
export interface ProcessOutputCapture {
  /** Restores the console and the streams; returns what was printed, one entry per write. */
  stop(): Captured[];
}

/**
 * Records everything printed to the process's stdout and stderr — `console.*` (which a test
 * runner may route elsewhere) and direct `process.stdout.write` / `process.stderr.write` — so
 * the kit can look for canaries a plugin printed without `context.logger`. The output still
 * reaches the terminal, with every canary masked by `mask`.
 */
export function captureProcessOutput(mask: (text: string) => string): ProcessOutputCapture {
  const captured: Captured[] = [];
  const record = (stream: Stream, via: string, text: string) => {
    if (text.length > 0)
      captured.push({ where: `the process's ${stream} (${via}, bypassing context.logger)`, text });
  };

  const console = globalThis.console;
  const originals = new Map<keyof typeof CONSOLE_METHODS, (...args: unknown[]) => void>();
  for (const [method, stream] of Object.entries(CONSOLE_METHODS) as [
    keyof typeof CONSOLE_METHODS,
    Stream,
  ][]) {
    const original = console[method] as (...args: unknown[]) => void;
    originals.set(method, original);
    console[method] = (...args: unknown[]) => {
      const text = format(...args);
      record(stream, `console.${method}`, text);
      original.call(console, mask(text));
    };
  }

  const streams = { stdout: process.stdout, stderr: process.stderr } as const;
  const writes = new Map<Stream, typeof process.stdout.write>();
  for (const [name, stream] of Object.entries(streams) as [Stream, NodeJS.WriteStream][]) {
    const original = stream.write;
    writes.set(name, original);
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      record(name, `process.${name}.write`, text);
      return (original as (...args: unknown[]) => boolean).call(this, mask(text), ...rest);
    } as typeof stream.write;
  }

  return {
    stop() {
      for (const [method, original] of originals) console[method] = original;
      for (const [name, original] of writes) streams[name].write = original;
      return captured;
    },
  };
}
