import { accessSecrets, CanaryScanner, type Captured, MIN_CANARY_LENGTH } from "../canaries.js";
import { ConformanceFailure, listSome } from "../failure.js";
import { captureFor, discoverAll, generateFrom, replicate } from "../operations.js";
import type { ConformanceCheckName } from "../options.js";
import { captureProcessOutput } from "../process-output.js";
import type { ConformanceRun } from "../run.js";

/**
 * Runs every verb as the CLI would at `--debug` — discover, generate (each format), a dry run and
 * a real replication — and looks for each canary (and each storage credential of the two sides)
 * in everything a user could see: items, generated files and variables, log lines, progress
 * events, report lines, results and errors. Logs, events and reports are searched after core's
 * redaction, so a plugin passes by registering what it reads with `context.redactor`; items,
 * files and results are searched as returned, since nothing redacts them for the plugin.
 */
export async function redaction(run: ConformanceRun, check: ConformanceCheckName): Promise<void> {
  const subject = await run.subject(check);
  const { env } = subject;
  const seeded = env.canaries ?? [];
  const short = seeded.filter((c) => c.length < MIN_CANARY_LENGTH);
  if (short.length > 0) {
    throw new ConformanceFailure(
      check,
      `${short.length} canaries are shorter than ${MIN_CANARY_LENGTH} characters and would match ordinary text: seed distinctive values (e.g. canary-<random>)`,
    );
  }
  const scanner = new CanaryScanner(seeded, [
    ...accessSecrets(env.sourceAccess),
    ...accessSecrets(env.targetAccess),
  ]);
  if (scanner.size === 0) {
    throw new ConformanceFailure(
      check,
      "nothing to look for: seed a secret in the source and list its value in the environment's canaries (or use a storage credential)",
    );
  }

  const capture = captureFor(env);
  const captured: Captured[] = [];
  const errors: string[] = [];
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      const text = capture.describeError(error);
      errors.push(`${what} threw: ${text}`);
      captured.push({ where: `the error ${what} threw`, text });
    }
  };

  // What the plugin prints past context.logger (console.error, process.stderr.write) is output too.
  const printed = captureProcessOutput((text) => scanner.mask(text));
  try {
    await verbs();
  } finally {
    captured.push(...printed.stop());
  }
  captured.push(...capture.captured());

  async function verbs(): Promise<void> {
    await step("discover", async () => {
      const items = await discoverAll(subject, capture);
      for (const item of items)
        captured.push({ where: `discovered item ${item.key}`, text: JSON.stringify(item) });
      for (const format of run.options.formats ?? ["terraform"]) {
        await step(`generate(${format})`, async () => {
          const output = await generateFrom(subject, capture, items, format);
          for (const [name, content] of Object.entries(output.files)) {
            captured.push({ where: `generated file ${name}`, text: content });
          }
          captured.push({ where: "the generated variables", text: JSON.stringify(output.variables) });
          captured.push({ where: "the generate warnings", text: JSON.stringify(output.warnings ?? []) });
        });
      }
    });
    for (const dryRun of [true, false]) {
      await step(dryRun ? "the dry run" : "the replication", async () => {
        const result = await replicate(subject, capture, dryRun);
        if (!dryRun) run.firstWrite ??= result;
        captured.push({
          where: `the ${dryRun ? "dry run's" : "replication's"} result`,
          text: JSON.stringify(result),
        });
      });
    }
  }

  const exposures = scanner.exposures(captured);
  const problems: string[] = [];
  if (exposures.length > 0) {
    problems.push(
      `secrets appear in ${exposures.length} places (register each secret value you read with context.redactor.addSecret, and keep values out of items and generated code): ${listSome(exposures, 8)}`,
    );
  }
  if (errors.length > 0) problems.push(listSome(errors.map((e) => scanner.mask(e))));
  if (problems.length > 0) throw new ConformanceFailure(check, problems.join("\n"));
}
