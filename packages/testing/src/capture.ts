import {
  createLogger,
  createSession,
  formatError,
  type ItemOutcome,
  type ProgressEvent,
  SecretRedactor,
  type Session,
  type SideAccess,
} from "@dataplane/core";
import { accessSecrets, type Captured } from "./canaries.js";

/**
 * A session like the CLI's, which keeps everything it would have shown: log lines at debug
 * level, progress events and report lines (all after redaction, as the CLI writes them).
 */
export class CapturingSession {
  readonly logs: string[] = [];
  readonly events: ProgressEvent[] = [];
  readonly reportLines: string[] = [];
  readonly session: Session;

  constructor(sides: readonly SideAccess[]) {
    const redactor = new SecretRedactor();
    // The CLI registers configured storage secrets before any plugin runs.
    for (const side of sides) for (const secret of accessSecrets(side)) redactor.addSecret(secret);
    const logger = createLogger({
      level: "debug",
      redactor,
      write: (line) => this.logs.push(line),
    });
    this.session = createSession({
      logger,
      redactor,
      progress: { emit: (event) => this.events.push(event) },
    });
  }

  /** Records an outcome as `--report` writes it. */
  readonly onOutcome = (
    run: { plugin: string; source: string; target: string },
    outcome: ItemOutcome,
  ): void => {
    this.reportLines.push(this.session.redactor.redact(JSON.stringify({ ...run, ...outcome })));
  };

  /** An error as the CLI prints it. */
  describeError(error: unknown): string {
    return this.session.redactor.redact(formatError(error));
  }

  captured(): Captured[] {
    return [
      ...this.logs.map((text) => ({ where: "a log line", text })),
      ...this.events.map((event) => ({
        where: `a "${event.type}" progress event`,
        text: JSON.stringify(event),
      })),
      ...this.reportLines.map((text) => ({ where: "a report line", text })),
    ];
  }
}
