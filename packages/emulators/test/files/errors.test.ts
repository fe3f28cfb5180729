import {
  AccountSASPermissions,
  generateAccountSASQueryParameters,
  type RestError,
  ShareServiceClient,
  StorageSharedKeyCredential,
} from "@azure/storage-file-share";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilesEmulator, startFilesEmulator } from "../../src/files/index.js";

let emulator: FilesEmulator;
let service: ShareServiceClient;
let sas: string;

beforeAll(async () => {
  emulator = await startFilesEmulator({ accounts: [{ name: "srcaccount" }] });
  service = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"));
  sas = generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: AccountSASPermissions.parse("rwdlc"),
      resourceTypes: "sco",
      services: "f",
    },
    new StorageSharedKeyCredential("srcaccount", emulator.accounts[0]!.key),
  ).toString();
  const share = service.getShareClient("errors");
  await share.create();
  await share.rootDirectoryClient.getFileClient("ten.txt").uploadData(Buffer.from("0123456789"));
  await share.rootDirectoryClient.getFileClient("empty.txt").create(0);
});
afterAll(async () => {
  await emulator.stop();
});

/** A raw request authorized by an account SAS, so any header can be left out or garbled. */
async function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const [pathPart, query = ""] = path.split("?");
  const url = `${emulator.fileEndpoint("srcaccount")}${pathPart}?${query ? `${query}&` : ""}${sas}`;
  const response = await fetch(url, { method, headers: { "x-ms-version": "2026-10-06", ...headers }, body });
  return {
    status: response.status,
    code: response.headers.get("x-ms-error-code"),
    headers: response.headers,
    body: await response.text(),
  };
}

async function failure(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (error) {
    return error as RestError;
  }
  throw new Error("expected the request to fail");
}

describe("error responses", () => {
  it("carry the service's XML body, x-ms-error-code, request id and version", async () => {
    const response = await raw("GET", "nosuchshare?restype=share");
    expect(response.status).toBe(404);
    expect(response.code).toBe("ShareNotFound");
    expect(response.headers.get("content-type")).toBe("application/xml");
    expect(response.headers.get("x-ms-version")).toBe("2026-10-06");
    const requestId = response.headers.get("x-ms-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).toMatch(
      new RegExp(
        `^<\\?xml version="1.0" encoding="utf-8"\\?><Error><Code>ShareNotFound</Code><Message>The specified share does not exist.\\nRequestId:${requestId}\\nTime:\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}Z</Message></Error>$`,
      ),
    );
  });

  it("reach the SDK as RestErrors with the code and details", async () => {
    const error = await failure(service.getShareClient("missing").getProperties());
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe("ShareNotFound");
    expect(error.response?.headers.get("x-ms-error-code")).toBe("ShareNotFound");
  });

  it("HEAD errors have no body but still name the code", async () => {
    const response = await raw("HEAD", "errors/missing.txt");
    expect(response.status).toBe(404);
    expect(response.code).toBe("ResourceNotFound");
    expect(response.body).toBe("");
  });

  it("ParentNotFound and ResourceNotFound as the service distinguishes them", async () => {
    const share = service.getShareClient("errors");
    const deep = share.getDirectoryClient("no/such").getFileClient("file.txt");
    expect((await failure(deep.create(1))).code).toBe("ParentNotFound");
    expect((await failure(share.getDirectoryClient("nodir").getProperties())).code).toBe("ResourceNotFound");
    expect((await failure(share.rootDirectoryClient.getFileClient("nofile").download())).code).toBe(
      "ResourceNotFound",
    );
  });
});

describe("names", () => {
  it("refuses share names that break the rules with 400 InvalidResourceName", async () => {
    for (const name of ["ab", "Upper", "a--b", "-ab", "ab-", "a_b", "x".repeat(64)]) {
      const error = await failure(service.getShareClient(name).create());
      expect(error.statusCode, name).toBe(400);
      expect(error.code, name).toBe("InvalidResourceName");
    }
    await service.getShareClient("a-b-1").create();
  });

  it("refuses directory and file names that break the rules", async () => {
    const root = service.getShareClient("errors").rootDirectoryClient;
    for (const name of ["bad|name", "what?", 'quote"d', "star*", "con", "LPT1", "x".repeat(256)]) {
      const error = await failure(root.getDirectoryClient(name).create());
      expect(error.statusCode, name).toBe(400);
      expect(error.code, name).toBe("InvalidResourceName");
    }
    const colon = await raw("PUT", `errors/${encodeURIComponent("a:b")}`, {
      "x-ms-type": "file",
      "x-ms-content-length": "1",
    });
    expect([colon.status, colon.code]).toEqual([400, "InvalidResourceName"]);
  });

  it("drops trailing dots unless x-ms-allow-trailing-dot is set", async () => {
    const root = service.getShareClient("errors").rootDirectoryClient;
    await root.getFileClient("dotted.").create(3);
    expect((await root.getFileClient("dotted").getProperties()).contentLength).toBe(3);
    const kept = await raw("PUT", "errors/kept.", {
      "x-ms-type": "file",
      "x-ms-content-length": "4",
      "x-ms-allow-trailing-dot": "true",
    });
    expect(kept.status).toBe(201);
    expect((await raw("HEAD", "errors/kept")).status).toBe(404);
  });

  it("refuses invalid metadata names", async () => {
    const error = await failure(
      service
        .getShareClient("errors")
        .getDirectoryClient("m")
        .create({ metadata: { "1abc": "x" } }),
    );
    expect([error.statusCode, error.code]).toEqual([400, "InvalidMetadata"]);
  });
});

describe("ranges", () => {
  it("answers 416 InvalidRange for a download starting beyond the end", async () => {
    const file = service.getShareClient("errors").rootDirectoryClient.getFileClient("ten.txt");
    const error = await failure(file.download(10, 5));
    expect([error.statusCode, error.code]).toEqual([416, "InvalidRange"]);
    const response = await raw("GET", "errors/ten.txt", { "x-ms-range": "bytes=20-30" });
    expect([response.status, response.code]).toEqual([416, "InvalidRange"]);
    expect(response.headers.get("content-range")).toBe("bytes */10");
    expect((await raw("GET", "errors/empty.txt", { range: "bytes=0-" })).status).toBe(416);
    // A range that ends beyond the file is cut at the end.
    const tail = await raw("GET", "errors/ten.txt", { "x-ms-range": "bytes=8-100" });
    expect([tail.status, tail.body, tail.headers.get("content-range")]).toEqual([206, "89", "bytes 8-9/10"]);
  });

  it("answers 416 for writes beyond the end of the file and 400 for malformed ranges", async () => {
    const file = service.getShareClient("errors").rootDirectoryClient.getFileClient("ten.txt");
    expect((await failure(file.uploadRange(Buffer.from("abc"), 9, 3))).code).toBe("InvalidRange");
    const malformed = await raw(
      "PUT",
      "errors/ten.txt?comp=range",
      { "x-ms-write": "update", "x-ms-range": "bytes=5-2" },
      "",
    );
    expect([malformed.status, malformed.code]).toEqual([400, "InvalidHeaderValue"]);
    expect(malformed.body).toContain(
      "<HeaderName>x-ms-range</HeaderName><HeaderValue>bytes=5-2</HeaderValue>",
    );
    const mismatch = await raw(
      "PUT",
      "errors/ten.txt?comp=range",
      { "x-ms-write": "update", "x-ms-range": "bytes=0-3" },
      "ab",
    );
    expect([mismatch.status, mismatch.code]).toEqual([400, "InvalidHeaderValue"]);
  });

  it("refuses a range whose MD5 does not match", async () => {
    const file = service.getShareClient("errors").rootDirectoryClient.getFileClient("ten.txt");
    const error = await failure(
      file.uploadRange(Buffer.from("abc"), 0, 3, { contentMD5: new Uint8Array(16) }),
    );
    expect([error.statusCode, error.code]).toEqual([400, "Md5Mismatch"]);
  });
});

describe("headers and query parameters", () => {
  it("MissingRequiredHeader names the header", async () => {
    const noLength = await raw("PUT", "errors/new.txt", { "x-ms-type": "file" });
    expect([noLength.status, noLength.code]).toEqual([400, "MissingRequiredHeader"]);
    expect(noLength.body).toContain("<HeaderName>x-ms-content-length</HeaderName>");
    const noType = await raw("PUT", "errors/new.txt", { "x-ms-content-length": "5" });
    expect(noType.body).toContain("<HeaderName>x-ms-type</HeaderName>");
    const noWrite = await raw("PUT", "errors/ten.txt?comp=range", { "x-ms-range": "bytes=0-1" }, "ab");
    expect([noWrite.code, noWrite.body.includes("<HeaderName>x-ms-write</HeaderName>")]).toEqual([
      "MissingRequiredHeader",
      true,
    ]);
    const noKey = await raw("GET", "errors?restype=share&comp=filepermission");
    expect(noKey.code).toBe("MissingRequiredHeader");
  });

  it("InvalidHeaderValue for bad values, including an unknown x-ms-version", async () => {
    const badLength = await raw("PUT", "errors/new.txt", {
      "x-ms-type": "file",
      "x-ms-content-length": "-1",
    });
    expect([badLength.status, badLength.code]).toEqual([400, "InvalidHeaderValue"]);
    const badTime = await raw("PUT", "errors/new.txt", {
      "x-ms-type": "file",
      "x-ms-content-length": "1",
      "x-ms-file-creation-time": "yesterday",
    });
    expect(badTime.code).toBe("InvalidHeaderValue");
    const badAttributes = await raw("PUT", "errors/new.txt", {
      "x-ms-type": "file",
      "x-ms-content-length": "1",
      "x-ms-file-attributes": "Sparkly",
    });
    expect(badAttributes.code).toBe("InvalidHeaderValue");
    for (const version of ["2099-01-01", "latest", "2010-01-01"]) {
      const response = await raw("GET", "errors?restype=share", { "x-ms-version": version });
      expect([response.status, response.code], version).toEqual([400, "InvalidHeaderValue"]);
      expect(response.body).toContain(
        `<HeaderName>x-ms-version</HeaderName><HeaderValue>${version}</HeaderValue>`,
      );
    }
    const quota = await failure(service.getShareClient("toobig").create({ quota: 102401 }));
    expect(quota.code).toBe("InvalidHeaderValue");
  });

  it("a SAS request without x-ms-version is served with the SAS version", async () => {
    const url = `${emulator.fileEndpoint("srcaccount")}errors/ten.txt?${sas}`;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-ms-version")).toBe(new URLSearchParams(sas).get("sv"));
    expect(await response.text()).toBe("0123456789");
  });

  it("InvalidQueryParameterValue and OutOfRangeQueryParameterValue", async () => {
    const badComp = await raw("GET", "errors?restype=share&comp=bogus");
    expect([badComp.status, badComp.code]).toEqual([400, "InvalidQueryParameterValue"]);
    expect(badComp.body).toContain("<QueryParameterName>comp</QueryParameterName>");
    const badMax = await raw("GET", "errors?restype=directory&comp=list&maxresults=abc");
    expect(badMax.code).toBe("InvalidQueryParameterValue");
    const zeroMax = await raw("GET", "errors?restype=directory&comp=list&maxresults=0");
    expect(zeroMax.code).toBe("OutOfRangeQueryParameterValue");
    const badInclude = await raw("GET", "errors?restype=directory&comp=list&include=everything");
    expect(badInclude.code).toBe("InvalidQueryParameterValue");
    const badMarker = await raw("GET", "errors?restype=directory&comp=list&marker=%25%25%25");
    expect([badMarker.status, badMarker.code]).toEqual([400, "InvalidMarker"]);
  });

  it("a lease id on a file operation fails as on a file without a lease (leases are not emulated)", async () => {
    const response = await raw("GET", "errors/ten.txt", {
      "x-ms-lease-id": "0b2bb8c1-0000-0000-0000-000000000000",
    });
    expect([response.status, response.code]).toEqual([412, "LeaseNotPresentWithFileOperation"]);
  });

  it("UnsupportedHttpVerb for a verb an operation does not take", async () => {
    const response = await raw("POST", "errors/ten.txt");
    expect([response.status, response.code]).toEqual([405, "UnsupportedHttpVerb"]);
  });

  it("not-emulated operations answer 501 NotImplemented, never a fake success", async () => {
    const snapshot = await failure(service.getShareClient("errors").createSnapshot());
    expect([snapshot.statusCode, snapshot.code]).toEqual([501, "NotImplemented"]);
  });
});

describe("throttling on request", () => {
  it("answers 503 ServerBusy past the account's rate, and the SDK's retries get through", async () => {
    emulator.setThrottling({ requestsPerSecond: 3 }, "srcaccount");
    emulator.resetStats("srcaccount");
    try {
      const impatient = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"), {
        retryOptions: { maxTries: 1 },
      });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => impatient.getShareClient("errors").getProperties()),
      );
      const refused = results
        .filter((r) => r.status === "rejected")
        .map((r) => (r as PromiseRejectedResult).reason);
      expect(refused.length).toBeGreaterThanOrEqual(4);
      expect(refused[0]).toMatchObject({ statusCode: 503, code: "ServerBusy" });
      expect(refused[0].details.message).toMatch(
        /^Operations per second is over the account limit\.\nRequestId:/,
      );
      expect(emulator.stats("srcaccount").throttled).toBe(refused.length);

      const patient = ShareServiceClient.fromConnectionString(emulator.connectionString("srcaccount"), {
        retryOptions: { maxTries: 10, retryDelayInMs: 100, maxRetryDelayInMs: 400 },
      });
      await Promise.all(Array.from({ length: 4 }, () => patient.getShareClient("errors").getProperties()));

      emulator.setThrottling({ requestsPerSecond: 1, status: 500 }, "srcaccount");
      await impatient
        .getShareClient("errors")
        .getProperties()
        .catch(() => undefined);
      const timedOut = await failure(impatient.getShareClient("errors").getProperties());
      expect([timedOut.statusCode, timedOut.code]).toEqual([500, "OperationTimedOut"]);
    } finally {
      emulator.setThrottling(false);
    }
    await service.getShareClient("errors").getProperties();
  });
});
