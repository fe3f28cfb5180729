// The generic 401/403 explanation (pure logic): the side comes from the governor, also when the
// SDK throws the refusal inside its pipeline; a plugin's service knowledge wins when it has any;
// otherwise the RBAC role; and when no side can be told, still one line naming both.
import {
  type AccessFailure,
  createSession,
  type DataPlanePlugin,
  isCouldNotRun,
  isDataplaneError,
  type RequestGovernor,
  type SideAccess,
} from "@dataplane/core";
import { describe, expect, it } from "vitest";
import { explainServiceError } from "../src/host/explain.js";

const resource = (name: string) => ({
  id: `/subscriptions/0/resourceGroups/rg/providers/Microsoft.Example/things/${name}`,
  type: "Microsoft.Example/things",
  name,
});

function plugin(extra: Partial<DataPlanePlugin> = {}): DataPlanePlugin {
  return {
    name: "example",
    version: "1.0.0",
    resourceTypes: ["Microsoft.Example/things"],
    itemKinds: ["thing"],
    permissions: [{ side: "target", for: "replication", role: "Example Writer", reason: "write" }],
    discover: async function* () {},
    generate: async () => ({ files: {} }),
    replicate: async () => {
      throw new Error("not used");
    },
    ...extra,
  } as DataPlanePlugin;
}

/** A 403 RestError thrown inside the pipeline (as the storage SDKs do), seen by the governor's policy. */
async function refusedThroughGovernor(governor: RequestGovernor, side: "source" | "target") {
  const request = { url: "https://example.invalid/x", method: "GET", headers: new Map() };
  const error = Object.assign(new Error("denied\nRequestId:1\nTime:2026"), {
    statusCode: 403,
    code: "AuthorizationPermissionMismatch",
    request,
  });
  const policy = governor.policy({ side });
  await expect(
    policy.sendRequest(request as never, async () => {
      throw error;
    }),
  ).rejects.toBe(error);
  return error;
}

describe("explainServiceError", () => {
  it("finds the side of a refusal the SDK threw inside the pipeline, and names the role", async () => {
    const governor = createSession({ governor: { maxRetries: 0 } }).governor;
    const error = await refusedThroughGovernor(governor, "target");
    const explained = explainServiceError(error, {
      plugin: plugin(),
      verb: "replication",
      resources: { source: resource("a"), target: resource("b") },
      governor,
    });
    expect(isCouldNotRun(explained)).toBe(true);
    expect((explained as Error).message).toMatch(
      /^the target b \(.*\) denied access \(403 AuthorizationPermissionMismatch\)/,
    );
    expect((explained as Error).message).toContain('"Example Writer"');
  });

  it("uses the plugin's explanation, given the side's access, on one line", async () => {
    const governor = createSession({ governor: { maxRetries: 0 } }).governor;
    const error = await refusedThroughGovernor(governor, "source");
    const seen: AccessFailure[] = [];
    const access: SideAccess = { side: "source", storage: { type: "sas", sasToken: "sv=x&sig=y" } };
    const explained = explainServiceError(error, {
      plugin: plugin({
        explainAccessFailure: (failure) => {
          seen.push(failure);
          return { message: "the source thing a refused its token\n(403)", hint: "Issue a new one" };
        },
      }),
      verb: "replication",
      resources: { source: resource("a"), target: resource("b") },
      governor,
      access: { source: access },
    });
    expect(seen).toMatchObject([
      { side: "source", status: 403, code: "AuthorizationPermissionMismatch", access, verb: "replication" },
    ]);
    expect(isDataplaneError(explained) && explained.message).toBe(
      "the source thing a refused its token (403)",
    );
    expect(isCouldNotRun(explained)).toBe(true);
  });

  it("falls back to core's explanation when the plugin's hook throws or has nothing to say", async () => {
    const governor = createSession({ governor: { maxRetries: 0 } }).governor;
    const error = await refusedThroughGovernor(governor, "target");
    for (const explainAccessFailure of [
      () => undefined,
      () => {
        throw new Error("plugin bug");
      },
    ]) {
      const explained = explainServiceError(error, {
        plugin: plugin({ explainAccessFailure }),
        verb: "replication",
        resources: { target: resource("b") },
        governor,
      });
      expect((explained as Error).message).toMatch(/^the target b .* denied access/);
    }
  });

  it("without a side, still one line naming both sides, exit 2", () => {
    const error = Object.assign(new Error("Server failed\nRequestId:1"), { statusCode: 401, code: "Nope" });
    const explained = explainServiceError(error, {
      plugin: plugin(),
      verb: "replication",
      resources: { source: resource("a"), target: resource("b") },
      governor: createSession({ governor: { maxRetries: 0 } }).governor,
    });
    expect((explained as Error).message).toBe("the source a or the target b refused the request (401 Nope)");
    expect(isCouldNotRun(explained)).toBe(true);
  });
});
