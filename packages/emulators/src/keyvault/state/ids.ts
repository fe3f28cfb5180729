import { randomUUID } from "node:crypto";
import { badParameter } from "../server/errors.js";

/** A new object version id: 32 lower-case hex characters like the service's. */
export function newVersionId(): string {
  return randomUUID().replaceAll("-", "");
}

const NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

export function isValidObjectName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

export function assertObjectName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw badParameter(
      `The request URI contains an invalid name: ${name}. Names must be 1-127 characters long and contain only 0-9, a-z, A-Z and -.`,
    );
  }
}
