import {
  createLogger,
  type HttpGovernor,
  type HttpPolicyOptions,
  type PipelineRequestLike,
  type PipelineResponseLike,
  type ProgressEvent,
  type ReplicateOptions,
  type ReplicationResult,
  SecretRedactor,
  Session,
} from "@dataplane/core";
import { storagePlugin } from "../../src/index.js";
import type { Bed } from "./bed.js";

export interface RecordedRequest {
  readonly side: string;
  readonly method: string;
  readonly url: string;
  readonly copy: boolean;
  /** `x-ms-copy-source` (a URL with the source SAS), when present. */
  readonly copySource?: string;
}

export interface Run {
  readonly result: ReplicationResult;
  readonly events: ProgressEvent[];
  readonly logs: string[];
  readonly requests: RecordedRequest[];
  readonly redactor: SecretRedactor;
}

/** Counts every request the plugin sends (outside the governor, so once per call). */
/** A fault to inject into one request: its answer lost after it landed, or a 501 instead. */
export type Fault = "lose-response" | "not-implemented" | undefined;

function recording(
  inner: HttpGovernor,
  requests: RecordedRequest[],
  fault?: (request: PipelineRequestLike) => Fault,
): HttpGovernor {
  const policy = (options: HttpPolicyOptions) => {
    const governed = inner.policy(options);
    return {
      name: governed.name,
      sendRequest(
        request: PipelineRequestLike,
        next: (request: PipelineRequestLike) => Promise<PipelineResponseLike>,
      ) {
        const copySource = request.headers.get("x-ms-copy-source");
        requests.push({
          side: options.side,
          method: request.method,
          url: request.url,
          copy: copySource !== undefined,
          ...(copySource !== undefined ? { copySource } : {}),
        });
        const injected = fault?.(request);
        if (injected === "not-implemented") {
          // What Azurite answers for the copy APIs it lacks.
          return Promise.reject(
            Object.assign(new Error("The requested API is not implemented"), {
              name: "RestError",
              statusCode: 501,
              code: "APINotImplemented",
            }),
          );
        }
        const response = governed.sendRequest(request, next);
        if (injected !== "lose-response") return response;
        // The request landed, but its answer never arrived (outside the governor's own retries).
        return response.then(() => {
          throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        });
      },
    };
  };
  // Cast: the governor's policy type is generic over the SDK's request types.
  return { policy, retry: (operation, fn) => inner.retry(operation, fn) } as HttpGovernor;
}

/** Replicates in-process with a real session, recording events, log lines and requests. */
export async function replicate(
  bed: Bed,
  source: string,
  target: string,
  run: ReplicateOptions = {},
  fault?: (request: PipelineRequestLike) => Fault,
): Promise<Run> {
  const redactor = new SecretRedactor();
  const logs: string[] = [];
  const events: ProgressEvent[] = [];
  const requests: RecordedRequest[] = [];
  const session = new Session({
    redactor,
    logger: createLogger({ level: "debug", redactor, json: false, write: (line) => logs.push(line) }),
    progress: { emit: (event) => events.push(event) },
    governor: { baseDelayMs: 20, maxDelayMs: 500 },
  });
  const context = session.replicateContext(bed.access(source, "source"), bed.access(target, "target"), run);
  const result = await storagePlugin.replicate(bed.resource(source), bed.resource(target), {
    ...context,
    http: recording(context.http, requests, fault),
  });
  return { result, events, logs, requests, redactor };
}
