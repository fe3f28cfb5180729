// The storage plugin's reading of refused requests (pure logic; the CLI tests in auth.test.ts
// show the same through real endpoints).
import { isCouldNotRun, type SideAccess } from "@dataplane/core";
import { describe, expect, it } from "vitest";
import { checkSasScope, copySourceRefusal, explainStorageAccessFailure } from "../src/auth-errors.js";

const resource = {
  id: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct",
  type: "Microsoft.Storage/storageAccounts",
  name: "acct",
};
const keyAccess: SideAccess = {
  side: "source",
  storage: { type: "sharedKey", accountName: "acct", accountKey: "k" },
};
const sasAccess = (side: "source" | "target", token: string): SideAccess => ({
  side,
  storage: { type: "sas", sasToken: token },
});

describe("explainStorageAccessFailure", () => {
  it("names a wrong key, a refused SAS and a SAS without a signature; leaves Entra ID to core", () => {
    expect(
      explainStorageAccessFailure({
        side: "source",
        status: 403,
        code: "AuthenticationFailed",
        resource,
        access: keyAccess,
        verb: "replication",
      })?.message,
    ).toBe(
      "the source storage account acct refused its account key (403 AuthenticationFailed): the key is wrong or was rotated",
    );
    const narrow = explainStorageAccessFailure({
      side: "target",
      status: 403,
      code: "AuthorizationPermissionMismatch",
      resource,
      access: sasAccess("target", "sv=1&sp=rl&sig=x"),
      verb: "replication",
    });
    expect(narrow?.message).toMatch(
      /^the target storage account acct refused a request its SAS does not allow/,
    );
    expect(narrow?.hint).toContain("--permissions rwl");
    expect(
      explainStorageAccessFailure({
        side: "target",
        status: 401,
        code: "NoAuthenticationInformation",
        resource,
        access: sasAccess("target", "sv=1"),
        verb: "replication",
      })?.message,
    ).toMatch(/found no valid signature in its SAS \(401 NoAuthenticationInformation\)/);
    expect(
      explainStorageAccessFailure({
        side: "target",
        status: 403,
        code: "AuthorizationPermissionMismatch",
        resource,
        access: { side: "target" },
        verb: "replication",
      }),
    ).toBeUndefined();
  });
});

describe("checkSasScope", () => {
  const need = { mode: "replication" as const, dryRun: false, blobs: true, files: true };
  it("accepts enough and refuses too little, before any request", () => {
    expect(() =>
      checkSasScope(sasAccess("target", "ss=bf&srt=sco&sp=rwlc&se=2099-01-01&sig=x"), "acct", need),
    ).not.toThrow();
    expect(() =>
      checkSasScope(sasAccess("target", "sp=rl&sr=c&sig=x"), "acct", { ...need, dryRun: true }),
    ).not.toThrow();
    let refused: unknown;
    try {
      checkSasScope(sasAccess("target", "ss=bf&srt=sco&sp=rl&sig=x"), "acct", need);
    } catch (error) {
      refused = error;
    }
    expect(isCouldNotRun(refused)).toBe(true);
    expect((refused as Error).message).toBe(
      "the target storage account acct: its SAS lacks the permission w (it has sp=rl); the target is written",
    );
    expect(() => checkSasScope(sasAccess("source", "ss=bf&srt=co&sp=rl&sig=x"), "acct", need)).toThrow(
      /lacks the resource types s/,
    );
    expect(() =>
      checkSasScope(sasAccess("source", "ss=bf&srt=sco&sp=rl&se=2020-01-01&sig=x"), "acct", need),
    ).toThrow(/expired at 2020-01-01/);
    expect(() => checkSasScope(keyAccess, "acct", need)).not.toThrow();
  });
});

describe("copySourceRefusal", () => {
  const refused = (status: number, sourceStatus?: string) =>
    Object.assign(new Error("Server failed\nRequestId:1"), {
      statusCode: status,
      code: "CannotVerifyCopySource",
      response: { headers: new Map(sourceStatus ? [["x-ms-copy-source-status-code", sourceStatus]] : []) },
    });

  it("turns a source's 401/403 behind CannotVerifyCopySource into one line naming the source", () => {
    const error = copySourceRefusal(refused(403, "403"), "srcacct");
    expect(isCouldNotRun(error)).toBe(true);
    expect(error?.message).toBe(
      "the source storage account srcacct refused the target's read of a copy source (403 CannotVerifyCopySource)",
    );
    expect(copySourceRefusal(refused(401), "srcacct")?.message).toContain("(401 CannotVerifyCopySource)");
  });

  it("leaves other failures to the item (a source that vanished, a different code)", () => {
    expect(copySourceRefusal(refused(404, "404"), "srcacct")).toBeUndefined();
    expect(
      copySourceRefusal(Object.assign(new Error("x"), { statusCode: 403, code: "Other" }), "s"),
    ).toBeUndefined();
  });
});
