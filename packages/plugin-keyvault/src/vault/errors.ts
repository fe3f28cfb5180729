/**
 * Reading Key Vault service errors structurally (a `RestError` from any copy of the SDK).
 */

interface ServiceErrorShape {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly details?: unknown;
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as ServiceErrorShape | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

function body(error: unknown): { code?: unknown; innerError?: unknown; innererror?: unknown } | undefined {
  const details = (error as ServiceErrorShape | null)?.details;
  if (!details || typeof details !== "object") return undefined;
  const inner = (details as { error?: unknown }).error;
  return inner && typeof inner === "object" ? (inner as { code?: unknown }) : undefined;
}

/** The service error code and, when present, the inner error code. */
export function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  const top = (error as ServiceErrorShape | null)?.code;
  if (typeof top === "string") codes.push(top);
  const b = body(error);
  if (typeof b?.code === "string") codes.push(b.code);
  for (const inner of [b?.innerError, b?.innererror]) {
    const code = (inner as { code?: unknown } | undefined)?.code;
    if (typeof code === "string") codes.push(code);
  }
  const message = (error as ServiceErrorShape | null)?.message;
  if (typeof message === "string") {
    for (const known of ["ObjectIsDeletedButRecoverable", "SecretDisabled", "ObjectIsBeingDeleted"]) {
      if (message.includes(known)) codes.push(known);
    }
  }
  return codes;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** 409: the name belongs to a soft-deleted object; recover or purge it first. */
export function isDeletedButRecoverable(error: unknown): boolean {
  return (
    statusOf(error) === 409 &&
    (codesOf(error).includes("ObjectIsDeletedButRecoverable") ||
      /deleted but recoverable/i.test(String((error as ServiceErrorShape | null)?.message ?? "")))
  );
}

/** 403 on reading a disabled secret. */
export function isDisabledSecret(error: unknown): boolean {
  return statusOf(error) === 403 && codesOf(error).includes("SecretDisabled");
}

/** 400 on restoring a backup into another subscription or geography. */
export function isForeignBackup(error: unknown): boolean {
  const message = String((error as ServiceErrorShape | null)?.message ?? "");
  return statusOf(error) === 400 && /backup/i.test(message);
}

export function messageOf(error: unknown): string {
  const message = (error as ServiceErrorShape | null)?.message;
  return typeof message === "string" ? message : String(error);
}
