import { afterAll, describe, it } from "vitest";
import type { ConformanceOptions } from "./options.js";
import { createConformanceRun } from "./run.js";

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Registers one vitest `describe` block with one `it` per conformance check, run in order
 * against one environment (built on the first check that needs it, cleaned up after the last).
 *
 * ```ts
 * describePluginConformance({ packageDir: new URL("..", import.meta.url), environment: startEnvironment });
 * ```
 */
export function describePluginConformance(options: ConformanceOptions): void {
  const run = createConformanceRun(options);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // In order, even under `--sequence.concurrent` or `--sequence.shuffle`: later checks build on earlier ones.
  describe(options.title ?? `dataplane plugin conformance: ${run.label}`, {
    concurrent: false,
    shuffle: false,
  }, () => {
    afterAll(() => run.teardown(), timeout);
    for (const check of run.checks) {
      const reason = options.skip?.[check.name];
      if (reason !== undefined) {
        it.skip(`${check.name}: ${check.title} (skipped: ${reason})`, () => {});
      } else {
        it(`${check.name}: ${check.title}`, () => run.run(check.name), timeout);
      }
    }
  });
}
