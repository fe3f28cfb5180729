// `x-ms-version`: the service refuses versions it does not know; this emulator knows every
// dated version up to the REST spec it follows.
import { headerError } from "./errors.js";

/** The REST API version of the spec this emulator follows (file.json 2027-03-07). */
export const LATEST_VERSION = "2027-03-07";
/** The first version with the File service. */
export const OLDEST_VERSION = "2014-02-14";

export function checkVersion(value: string, header = "x-ms-version"): void {
  const wellFormed = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
  if (!wellFormed || value < OLDEST_VERSION || value > LATEST_VERSION) {
    throw headerError("InvalidHeaderValue", header, value);
  }
}
