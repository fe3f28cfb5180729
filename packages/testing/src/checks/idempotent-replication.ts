import type { ReplicationResult } from "@dataplane/core";
import { ConformanceFailure, listSome } from "../failure.js";
import { captureFor, firstDifference, replicate, snapshot, writesIn } from "../operations.js";
import type { ConformanceCheckName } from "../options.js";
import type { ConformanceRun } from "../run.js";

function failures(result: ReplicationResult): string[] {
  return result.counts.failed > 0
    ? [
        `${result.counts.failed} items failed: ${listSome(result.errors.map((e) => `${e.key}: ${e.message}`))}`,
      ]
    : [];
}

/**
 * Replicate, then replicate again: the first real run into the fresh target wrote something and
 * failed nothing; the second creates, updates and conflicts with nothing, and the target's
 * snapshot (etags, versions, timestamps included) is what the first run left.
 */
export async function idempotentReplication(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const subject = await run.subject(check);
  const first = await replicate(subject, captureFor(subject.env), false);
  run.firstWrite ??= first;
  const problems: string[] = [...failures(first)];
  const written = run.firstWrite.counts.created + run.firstWrite.counts.updated;
  if (written === 0) {
    problems.push(
      `the first replication into the fresh target wrote nothing (counts: ${JSON.stringify(run.firstWrite.counts)})`,
    );
  }
  const before = await snapshot(subject.env);
  const capture = captureFor(subject.env);
  const second = await replicate(subject, capture, false);
  const after = await snapshot(subject.env);
  problems.push(...failures(second));
  const writes = writesIn(capture.reportLines);
  if (second.counts.created + second.counts.updated > 0 || writes.length > 0) {
    problems.push(
      `the second run wrote again (${second.counts.created} created, ${second.counts.updated} updated): ${listSome(writes)}`,
    );
  }
  const conflicts = capture.reportLines
    .map((line) => JSON.parse(line) as { key: string; status: string; reason?: string })
    .filter((o) => o.status === "skipped-conflict")
    .map((o) => `${o.key}${o.reason ? ` (${o.reason})` : ""}`);
  if (conflicts.length > 0) {
    problems.push(`the second run sees its own copies as conflicts: ${listSome(conflicts)}`);
  }
  const changed = firstDifference(before, after);
  if (changed) problems.push(`the second run changed the target: ${changed}`);
  if (problems.length > 0) throw new ConformanceFailure(check, problems.join("\n"));
}
