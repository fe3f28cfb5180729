import { ConformanceFailure, listSome } from "../failure.js";
import { captureFor, firstDifference, plannedActions, replicate, snapshot, writesIn } from "../operations.js";
import type { ConformanceCheckName } from "../options.js";
import type { ConformanceRun } from "../run.js";

/**
 * A dry run changes nothing: the target's snapshot is the same before and after, the result is
 * marked `dryRun`, counts no creates or updates, and still plans every item (on a target no real
 * run has written to yet, at least one `create`).
 */
export async function dryRunPurity(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const subject = await run.subject(check);
  const fresh = run.firstWrite === undefined;
  const before = await snapshot(subject.env);
  const capture = captureFor(subject.env);
  const result = await replicate(subject, capture, true);
  const after = await snapshot(subject.env);

  const problems: string[] = [];
  const changed = firstDifference(before, after);
  if (changed) problems.push(`the dry run changed the target: ${changed}`);
  if (result.dryRun !== true) problems.push("the result is not marked dryRun: true (use context.engine.run)");
  if (result.counts.created + result.counts.updated > 0) {
    problems.push(
      `the dry run counts ${result.counts.created} created and ${result.counts.updated} updated: ${listSome(writesIn(capture.reportLines))}`,
    );
  }
  if (result.counts.failed > 0) {
    problems.push(
      `${result.counts.failed} items failed: ${listSome(result.errors.map((e) => `${e.key}: ${e.message}`))}`,
    );
  }
  const planned = plannedActions(result);
  const total = Object.values(planned).reduce((a, b) => a + b, 0);
  if (total === 0) problems.push("the dry run planned nothing: its result.plan is empty");
  else if (fresh && (planned.create ?? 0) === 0) {
    problems.push(`on a fresh target the dry run planned no create (planned: ${JSON.stringify(planned)})`);
  }
  if (problems.length > 0) throw new ConformanceFailure(check, problems.join("\n"));
}
