import { ConformanceFailure, listSome } from "../failure.js";
import { captureFor, discoverAll, replicate } from "../operations.js";
import type { ConformanceCheckName } from "../options.js";
import type { ConformanceRun } from "../run.js";

/**
 * After a real replication, discovering the target finds every key discovered in the source:
 * nothing was lost (a plugin that copies only the first page, or skips disabled items, fails).
 */
export async function completeReplication(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const subject = await run.subject(check);
  if (run.firstWrite === undefined) run.firstWrite = await replicate(subject, captureFor(subject.env), false);
  const sourceKeys = (await discoverAll(subject, captureFor(subject.env), "source")).map((i) => i.key);
  const targetKeys = new Set(
    (await discoverAll(subject, captureFor(subject.env), "target")).map((i) => i.key),
  );
  const missing = sourceKeys.filter((k) => !targetKeys.has(k));
  if (missing.length > 0) {
    throw new ConformanceFailure(
      check,
      `${missing.length} of ${sourceKeys.length} source items are not in the target after replication: ${listSome(missing, 10)}`,
    );
  }
}
