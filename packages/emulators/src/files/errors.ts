// Storage errors as the Azure Files service reports them: status, code, message.

/** Codes and messages as the service sends them (the typo in "specifed" is the service's own). */
const catalogue = {
  AuthenticationFailed: [
    403,
    "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
  ],
  AuthorizationFailure: [403, "This request is not authorized to perform this operation."],
  AuthorizationPermissionMismatch: [
    403,
    "This request is not authorized to perform this operation using this permission.",
  ],
  AuthorizationProtocolMismatch: [
    403,
    "This request is not authorized to perform this operation using this protocol.",
  ],
  AuthorizationResourceTypeMismatch: [
    403,
    "This request is not authorized to perform this operation using this resource type.",
  ],
  AuthorizationServiceMismatch: [
    403,
    "This request is not authorized to perform this operation using this service.",
  ],
  AuthorizationSourceIPMismatch: [
    403,
    "This request is not authorized to perform this operation using this source IP {SourceIP}.",
  ],
  CannotVerifyCopySource: [404, "The specified resource does not exist."],
  CopyIdMismatch: [409, "The specified copy ID did not match the copy ID for the pending copy operation."],
  DirectoryNotEmpty: [409, "The specified directory is not empty."],
  EmptyMetadataKey: [400, "The key for one of the metadata key-value pairs is empty."],
  InternalError: [500, "Server encountered an internal error. Please try again after some time."],
  InvalidAuthenticationInfo: [
    400,
    "Authentication information is not given in the correct format. Check the value of Authorization header.",
  ],
  InvalidFileOrDirectoryPathName: [400, "The specified path, file name, or directory name is invalid."],
  InvalidHeaderValue: [400, "The value for one of the HTTP headers is not in the correct format."],
  InvalidInput: [400, "One of the request inputs is not valid."],
  InvalidMarker: [400, "The specified marker is invalid."],
  InvalidMetadata: [400, "The metadata specified is invalid. It has characters that are not permitted."],
  InvalidQueryParameterValue: [
    400,
    "Value for one of the query parameters specified in the request URI is invalid.",
  ],
  InvalidRange: [416, "The range specified is invalid for the current size of the resource."],
  InvalidResourceName: [400, "The specifed resource name contains invalid characters."],
  InvalidUri: [400, "The requested URI does not represent any resource on the server."],
  InvalidXmlDocument: [400, "XML specified is not syntactically valid."],
  Md5Mismatch: [
    400,
    "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
  ],
  MetadataTooLarge: [400, "The size of the specified metadata exceeds the maximum size permitted."],
  MissingContentLengthHeader: [411, "The Content-Length header was not specified."],
  MissingRequiredHeader: [400, "An HTTP header that's mandatory for this request is not specified."],
  MissingRequiredQueryParameter: [
    400,
    "A query parameter that's mandatory for this request is not specified.",
  ],
  NoAuthenticationInformation: [
    401,
    "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
  ],
  NoPendingCopyOperation: [409, "There is currently no pending copy operation."],
  NotImplemented: [501, "The requested operation is not implemented by the dataplane Azure Files emulator."],
  OutOfRangeInput: [400, "One of the request inputs is out of range."],
  OutOfRangeQueryParameterValue: [
    400,
    "One of the query parameters specified in the request URI is outside the permissible range.",
  ],
  ParentNotFound: [404, "The specified parent path does not exist."],
  PendingCopyOperation: [409, "There is currently a pending copy operation."],
  RequestBodyTooLarge: [413, "The request body is too large and exceeds the maximum permissible limit."],
  ResourceAlreadyExists: [409, "The specified resource already exists."],
  ResourceNotFound: [404, "The specified resource does not exist."],
  LeaseNotPresentWithFileOperation: [412, "There is currently no lease on the file."],
  OperationTimedOut: [500, "Operation could not be completed within the specified time."],
  ServerBusy: [503, "Operations per second is over the account limit."],
  ShareAlreadyExists: [409, "The specified share already exists."],
  ShareNotFound: [404, "The specified share does not exist."],
  UnsupportedHeader: [400, "One of the HTTP headers specified in the request is not supported."],
  UnsupportedHttpVerb: [405, "The resource doesn't support specified Http Verb."],
  UnsupportedQueryParameter: [
    400,
    "One of the query parameters specified in the request URI is not supported.",
  ],
} as const satisfies Record<string, readonly [number, string]>;

export type StorageErrorCode = keyof typeof catalogue;

/** Extra elements the service adds to some errors (`HeaderName`, `AuthenticationErrorDetail`, …). */
export type ErrorDetails = Record<string, string>;

export class StorageError extends Error {
  readonly status: number;
  readonly code: StorageErrorCode;
  readonly details: ErrorDetails;
  /** Extra response headers (e.g. `x-ms-copy-source-status-code`, `Content-Range`). */
  readonly headers: Record<string, string>;

  constructor(
    code: StorageErrorCode,
    options: {
      details?: ErrorDetails;
      status?: number;
      message?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    const [status, message] = catalogue[code];
    super(options.message ?? message);
    this.code = code;
    this.status = options.status ?? status;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }
}

export function storageError(code: StorageErrorCode, details?: ErrorDetails): StorageError {
  return details ? new StorageError(code, { details }) : new StorageError(code);
}

export function headerError(
  code: "InvalidHeaderValue" | "MissingRequiredHeader" | "UnsupportedHeader",
  name: string,
  value?: string,
): StorageError {
  const details: ErrorDetails = { HeaderName: name };
  if (value !== undefined) details.HeaderValue = value;
  return new StorageError(code, { details });
}

export function queryError(
  code:
    | "InvalidQueryParameterValue"
    | "MissingRequiredQueryParameter"
    | "OutOfRangeQueryParameterValue"
    | "UnsupportedQueryParameter",
  name: string,
  value?: string,
  reason?: string,
): StorageError {
  const details: ErrorDetails = { QueryParameterName: name };
  if (value !== undefined) details.QueryParameterValue = value;
  if (reason !== undefined) details.Reason = reason;
  return new StorageError(code, { details });
}

export function authenticationFailed(detail: string): StorageError {
  return new StorageError("AuthenticationFailed", { details: { AuthenticationErrorDetail: detail } });
}
