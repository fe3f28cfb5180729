/**
 * Key Vault error responses: `{"error":{"code","message","innererror"?}}` with the status the
 * service uses. Handlers throw these; the listener turns them into responses.
 */
export class KeyVaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "KeyVaultError";
  }

  toBody(): { error: { code: string; message: string; innererror?: { code: string } } } {
    const error: { code: string; message: string; innererror?: { code: string } } = {
      code: this.code,
      message: this.message,
    };
    if (this.innerCode !== undefined) error.innererror = { code: this.innerCode };
    return { error };
  }
}

export type ObjectKind = "secret" | "key" | "certificate";

const NOT_FOUND_CODE: Record<ObjectKind, string> = {
  secret: "SecretNotFound",
  key: "KeyNotFound",
  certificate: "CertificateNotFound",
};

const CAPITALISED: Record<ObjectKind, string> = { secret: "Secret", key: "Key", certificate: "Certificate" };

export function badParameter(message: string): KeyVaultError {
  return new KeyVaultError(400, "BadParameter", message);
}

/** The service's 404 for an unknown object or version, worded as the service words it. */
export function objectNotFound(kind: ObjectKind, name: string, version?: string): KeyVaultError {
  const ref = version ? `${name}/${version}` : name;
  return new KeyVaultError(
    404,
    NOT_FOUND_CODE[kind],
    `A ${kind} with (name/id) ${ref} was not found in this key vault. If you recently deleted this ${kind} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

export function deletedObjectNotFound(kind: ObjectKind, name: string): KeyVaultError {
  return new KeyVaultError(404, NOT_FOUND_CODE[kind], `Deleted ${CAPITALISED[kind]} not found: ${name}`);
}

export function deletedButRecoverable(kind: ObjectKind, name: string): KeyVaultError {
  return new KeyVaultError(
    409,
    "Conflict",
    `${CAPITALISED[kind]} ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the ${kind} can only be recovered or purged.`,
    "ObjectIsDeletedButRecoverable",
  );
}

export function conflict(message: string, innerCode?: string): KeyVaultError {
  return new KeyVaultError(409, "Conflict", message, innerCode);
}

export function forbidden(message: string, innerCode?: string): KeyVaultError {
  return new KeyVaultError(403, "Forbidden", message, innerCode);
}

export function notImplemented(what: string): KeyVaultError {
  return new KeyVaultError(
    501,
    "NotImplemented",
    `${what} is not emulated by the dataplane Key Vault emulator.`,
  );
}
