// @dataplane/testing — the conformance kit a plugin author runs against their plugin.

export { describePluginConformance } from "./describe.js";
export { ConformanceFailure, isConformanceFailure } from "./failure.js";
export {
  CHECK_NAMES,
  type ConformanceCheckName,
  type ConformanceEnvironment,
  type ConformanceOptions,
} from "./options.js";
export { type ConformanceCheck, ConformanceRun, createConformanceRun } from "./run.js";
