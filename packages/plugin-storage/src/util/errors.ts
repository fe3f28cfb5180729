/** Service error details, read structurally from a RestError of any copy of the SDK. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

export function serviceCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  const details = (error as { details?: { errorCode?: unknown } } | null)?.details;
  return typeof details?.errorCode === "string" ? details.errorCode : undefined;
}

export function isNotFound(error: unknown, ...codes: string[]): boolean {
  if (statusOf(error) !== 404) return false;
  if (codes.length === 0) return true;
  const code = serviceCodeOf(error);
  return code !== undefined && codes.includes(code);
}

/** The endpoint does not implement the operation (Azurite answers 501 for some copy APIs). */
export function isNotImplemented(error: unknown): boolean {
  return statusOf(error) === 501;
}

export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message.split("\n")[0]! : String(error);
}
