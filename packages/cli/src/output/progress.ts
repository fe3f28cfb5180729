import type { ProgressEvent, ProgressSink } from "@dataplane/core";
import { createLogUpdate } from "log-update";
import { formatBytes, shortResourceId } from "./table.js";

export interface ProgressOutputOptions {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly debug: boolean;
  /** `--quiet`: only warnings and errors (failed items), no headers, no periodic tallies. */
  readonly quiet: boolean;
  /** Live bars (stderr is a terminal and progress was not turned off). */
  readonly bars: boolean;
  /** What the bars count: items found (discover) or items done of those found (replicate). */
  readonly verb: "discover" | "replicate";
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The terminal the bars are drawn on (default: process.stderr). */
  readonly stream?: NodeJS.WriteStream;
}

/** A sink that also needs to be stopped (bars, timers). */
export interface ProgressOutput extends ProgressSink {
  stop(): void;
  /** Prints a line on stderr that stays (above the bars, when there are bars). */
  log(line: string): void;
  /** Runs a write to the terminal with the bars out of the way, then draws them again. */
  around(write: () => void): void;
}

interface RunTally {
  discovered: number;
  done: number;
  failed: number;
  bytes: number;
}

/** `--json`: every event as one JSON line on stdout. */
function jsonLines(options: ProgressOutputOptions): ProgressOutput {
  return {
    emit(event) {
      options.stdout(`${JSON.stringify(event)}\n`);
    },
    stop() {},
    log(line) {
      options.stderr(`${line}\n`);
    },
    around(write) {
      write();
    },
  };
}

function countsBytes(event: ProgressEvent): number {
  return event.type === "finished" &&
    event.bytes &&
    event.status !== "skipped-unchanged" &&
    event.status !== "planned"
    ? event.bytes
    : 0;
}

/** The lines `--verbose` and `--debug` add, the same on a terminal and in a pipe. */
function detailLine(event: ProgressEvent, options: ProgressOutputOptions): string | undefined {
  switch (event.type) {
    case "planned":
      return options.verbose
        ? `  plan ${event.action.padEnd(16)} ${event.kind} ${event.key}${event.reason ? ` (${event.reason})` : ""}`
        : undefined;
    case "finished":
      return options.verbose && event.status !== "planned"
        ? `  ${event.status.padEnd(18)} ${event.kind} ${event.key}${event.reason ? ` (${event.reason})` : ""}`
        : undefined;
    case "failed":
      return `  failed ${event.kind} ${event.key}: ${event.message} [${event.code}]`;
    case "retried":
      return options.debug
        ? `  retry ${event.attempt} ${event.operation} in ${event.delayMs} ms: ${event.reason}`
        : undefined;
    default:
      return undefined;
  }
}

function header(event: Extract<ProgressEvent, { type: "run-started" }>): string {
  return `${event.plugin}: ${shortResourceId(event.source)}${event.target ? ` → ${shortResourceId(event.target)}` : ""}`;
}

/** Plain lines on stderr: headers, failures, retries with --debug, items with --verbose, a tally every 5 s. */
function plainLines(options: ProgressOutputOptions): ProgressOutput {
  const runs = new Map<string, RunTally & { finished: boolean }>();
  const tally = (plugin: string) => {
    let t = runs.get(plugin);
    if (!t) {
      t = { discovered: 0, done: 0, failed: 0, bytes: 0, finished: false };
      runs.set(plugin, t);
    }
    return t;
  };
  const timer = options.quiet
    ? undefined
    : setInterval(() => {
        for (const [plugin, t] of runs) {
          if (t.finished) continue;
          options.stderr(
            options.verb === "discover"
              ? `${plugin}: ${countOf(t.discovered, "item")} found\n`
              : `${plugin}: ${t.done}/${t.discovered} items done, ${t.failed} failed, ${formatBytes(t.bytes)}\n`,
          );
        }
      }, 5000);
  timer?.unref();
  return {
    emit(event) {
      if (event.type === "run-started") {
        tally(event.plugin);
        if (!options.quiet) options.stderr(`${header(event)}\n`);
        return;
      }
      if (event.type === "run-finished") {
        tally(event.plugin).finished = true;
        return;
      }
      if ("plugin" in event && event.plugin !== undefined) {
        const t = tally(event.plugin);
        if (event.type === "discovered") t.discovered++;
        if (event.type === "finished" || event.type === "failed") t.done++;
        if (event.type === "failed") t.failed++;
        t.bytes += countsBytes(event);
      }
      const line = detailLine(event, options);
      if (line !== undefined && (!options.quiet || event.type === "failed")) options.stderr(`${line}\n`);
    },
    stop() {
      if (timer) clearInterval(timer);
    },
    log(line) {
      options.stderr(`${line}\n`);
    },
    around(write) {
      write();
    },
  };
}

/** "1 item", "2 items". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600)
    return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * Live bars on a terminal (one per plugin run), drawn below everything else. Every other line —
 * headers, `--verbose` items, failures, log lines, the summary — is written above them and
 * stays: the bars are taken away before each write and drawn again after it, synchronously, so
 * no line is ever overwritten. Stopping leaves the final state of each bar on the screen.
 */
function bars(options: ProgressOutputOptions): ProgressOutput {
  const stream = options.stream ?? process.stderr;
  // A pseudo-terminal may report 0 columns and 0 rows (no size set): log-update would then draw
  // nothing at all, so it sees the usual 80 × 24 instead.
  const view = {
    isTTY: true,
    get columns() {
      return stream.columns || 80;
    },
    get rows() {
      return stream.rows || 24;
    },
    write: (chunk: string) => stream.write(chunk),
  };
  const live = createLogUpdate(view as unknown as NodeJS.WriteStream, { showCursor: false });
  const runs = new Map<string, RunTally & { started: number; finished: boolean }>();
  let dirty = false;
  let stopped = false;
  const tally = (plugin: string) => {
    let t = runs.get(plugin);
    if (!t) {
      t = { discovered: 0, done: 0, failed: 0, bytes: 0, started: Date.now(), finished: false };
      runs.set(plugin, t);
    }
    return t;
  };
  const line = (plugin: string, t: RunTally & { started: number; finished: boolean }): string => {
    const seconds = Math.max(0.001, (Date.now() - t.started) / 1000);
    if (options.verb === "discover") {
      return `${plugin} | ${countOf(t.discovered, "item")} found${t.finished ? "" : " …"} | ${(t.discovered / seconds).toFixed(1)} items/s`;
    }
    if (t.discovered === 0) return `${plugin} | ${t.finished ? "nothing to do" : "listing …"}`;
    const rate = t.done / seconds;
    const tail = ` ${t.done}/${t.discovered} items | ${t.failed} failed | ${formatBytes(t.bytes)} | ${rate.toFixed(1)} items/s | ETA ${t.finished ? "0s" : duration(rate > 0 ? (t.discovered - t.done) / rate : Number.NaN)}`;
    const columns = view.columns;
    const width = Math.min(30, columns - plugin.length - tail.length - 5);
    if (width < 5) return `${plugin} |${tail}`.slice(0, columns - 1);
    const filled = Math.round((width * Math.min(t.done, t.discovered)) / t.discovered);
    return `${plugin} |${"█".repeat(filled)}${"░".repeat(width - filled)}|${tail}`;
  };
  const render = () => {
    dirty = false;
    if (runs.size === 0) return;
    live([...runs].map(([plugin, t]) => line(plugin, t)).join("\n"));
  };
  const timer = setInterval(() => {
    if (dirty) render();
  }, 125);
  timer.unref();
  const around = (write: () => void) => {
    if (stopped) {
      write();
      return;
    }
    live.clear();
    write();
    render();
  };
  return {
    emit(event) {
      if (stopped) return;
      if (event.type === "run-started") {
        tally(event.plugin);
        around(() => options.stderr(`${header(event)}\n`));
        return;
      }
      if (event.type === "run-finished") {
        tally(event.plugin).finished = true;
        render();
        return;
      }
      if ("plugin" in event && event.plugin !== undefined) {
        const t = tally(event.plugin);
        if (event.type === "discovered") t.discovered++;
        if (event.type === "finished" || event.type === "failed") t.done++;
        if (event.type === "failed") t.failed++;
        t.bytes += countsBytes(event);
        dirty = true;
      }
      const detail = detailLine(event, options);
      if (detail !== undefined) around(() => options.stderr(`${detail}\n`));
    },
    stop() {
      if (stopped) return;
      clearInterval(timer);
      for (const t of runs.values()) t.finished = true;
      render();
      stopped = true;
      live.done();
    },
    log(text) {
      around(() => options.stderr(`${text}\n`));
    },
    around,
  };
}

export function createProgressOutput(options: ProgressOutputOptions): ProgressOutput {
  if (options.json) return jsonLines(options);
  if (options.bars && !options.quiet) return bars(options);
  return plainLines(options);
}
