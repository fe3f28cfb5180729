import type { ProgressEvent, ProgressSink } from "@dataplane/core";
import cliProgress from "cli-progress";
import { formatBytes } from "./table.js";

export interface ProgressOutputOptions {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly debug: boolean;
  /** Live bars (stderr is a terminal and progress was not turned off). */
  readonly bars: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** A sink that also needs to be stopped (bars, timers). */
export interface ProgressOutput extends ProgressSink {
  stop(): void;
  /** Prints a line without breaking the bars. */
  log(line: string): void;
}

interface RunTally {
  discovered: number;
  done: number;
  failed: number;
  bytes: number;
  bar?: cliProgress.SingleBar;
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
  };
}

function isDone(event: ProgressEvent): boolean {
  return event.type === "finished" || event.type === "failed";
}

/** Plain lines on stderr: failures, retries with --debug, items with --verbose, a tally every 5 s. */
function plainLines(options: ProgressOutputOptions): ProgressOutput {
  const runs = new Map<string, RunTally>();
  const tally = (plugin: string) => {
    let t = runs.get(plugin);
    if (!t) {
      t = { discovered: 0, done: 0, failed: 0, bytes: 0 };
      runs.set(plugin, t);
    }
    return t;
  };
  const timer = setInterval(() => {
    for (const [plugin, t] of runs) {
      options.stderr(
        `${plugin}: ${t.done}/${t.discovered} items done, ${t.failed} failed, ${formatBytes(t.bytes)}\n`,
      );
    }
  }, 5000);
  timer.unref();
  return {
    emit(event) {
      switch (event.type) {
        case "run-started":
          options.stderr(`${event.plugin}: ${event.source}${event.target ? ` → ${event.target}` : ""}\n`);
          break;
        case "discovered":
          tally(event.plugin).discovered++;
          break;
        case "planned":
          if (options.verbose) {
            options.stderr(
              `  plan ${event.action.padEnd(16)} ${event.kind} ${event.key}${event.reason ? ` (${event.reason})` : ""}\n`,
            );
          }
          break;
        case "finished": {
          const t = tally(event.plugin);
          t.done++;
          if (event.bytes && event.status !== "skipped-unchanged" && event.status !== "planned")
            t.bytes += event.bytes;
          if (options.verbose && event.status !== "planned") {
            options.stderr(
              `  ${event.status.padEnd(18)} ${event.kind} ${event.key}${event.reason ? ` (${event.reason})` : ""}\n`,
            );
          }
          break;
        }
        case "failed": {
          const t = tally(event.plugin);
          t.done++;
          t.failed++;
          options.stderr(`  failed ${event.kind} ${event.key}: ${event.message} [${event.code}]\n`);
          break;
        }
        case "retried":
          if (options.debug) {
            options.stderr(
              `  retry ${event.attempt} ${event.operation} in ${event.delayMs} ms: ${event.reason}\n`,
            );
          }
          break;
        default:
          break;
      }
    },
    stop() {
      clearInterval(timer);
    },
    log(line) {
      options.stderr(`${line}\n`);
    },
  };
}

/** Live bars on a terminal: items, bytes, rate and ETA per plugin run. */
function bars(options: ProgressOutputOptions): ProgressOutput {
  const multi = new cliProgress.MultiBar(
    {
      format:
        "{plugin} |{bar}| {value}/{total} items | {failed} failed | {bytes} | {rate} items/s | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 200,
      fps: 8,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const runs = new Map<string, RunTally & { started: number }>();
  const tally = (plugin: string) => {
    let t = runs.get(plugin);
    if (!t) {
      t = { discovered: 0, done: 0, failed: 0, bytes: 0, started: Date.now() };
      t.bar = multi.create(0, 0, { plugin, failed: 0, bytes: formatBytes(0), rate: "0" });
      runs.set(plugin, t);
    }
    return t;
  };
  const refresh = (t: RunTally & { started: number }) => {
    const seconds = Math.max(0.001, (Date.now() - t.started) / 1000);
    t.bar?.setTotal(t.discovered);
    t.bar?.update(t.done, {
      failed: t.failed,
      bytes: formatBytes(t.bytes),
      rate: (t.done / seconds).toFixed(1),
    });
  };
  return {
    emit(event) {
      if (event.type === "run-started") {
        tally(event.plugin);
        return;
      }
      if (event.type === "retried") {
        if (options.debug)
          multi.log(`retry ${event.attempt} ${event.operation} in ${event.delayMs} ms: ${event.reason}\n`);
        return;
      }
      if (!("plugin" in event)) return;
      const t = tally(event.plugin);
      if (event.type === "discovered") t.discovered++;
      if (isDone(event)) t.done++;
      if (event.type === "failed") {
        t.failed++;
        multi.log(`failed ${event.kind} ${event.key}: ${event.message} [${event.code}]\n`);
      }
      if (
        event.type === "finished" &&
        event.bytes &&
        event.status !== "skipped-unchanged" &&
        event.status !== "planned"
      ) {
        t.bytes += event.bytes;
      }
      if (event.type === "planned" && options.verbose)
        multi.log(`plan ${event.action} ${event.kind} ${event.key}\n`);
      refresh(t);
    },
    stop() {
      for (const t of runs.values()) refresh(t);
      multi.stop();
    },
    log(line) {
      multi.log(`${line}\n`);
    },
  };
}

export function createProgressOutput(options: ProgressOutputOptions): ProgressOutput {
  if (options.json) return jsonLines(options);
  if (options.bars) return bars(options);
  return plainLines(options);
}
