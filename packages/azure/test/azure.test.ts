import { TableClient, TableServiceClient } from "@azure/data-tables";
import * as blob from "@azure/storage-blob";
import {
  type AzureResource,
  type HttpGovernor,
  type HttpPolicyOptions,
  type Logger,
  type PipelinePolicyLike,
  type PipelineRequestLike,
  type PipelineResponseLike,
  RequestGovernor,
  SecretRedactor,
  type SideAccess,
} from "@dataplane/core";
import { type AzuriteInstance, startAzurite } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  entraCredential,
  governedClientOptions,
  governedStoragePipeline,
  parseStorageConnectionString,
  storageAccountCredential,
  storageConnection,
  storageEndpoint,
  withSasToken,
} from "../src/index.js";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Core's real governor, with every request its policies see counted per side. */
function countingGovernor() {
  const governor = new RequestGovernor({ logger: quiet, progress: { emit() {} }, maxRetries: 2 });
  const seen: string[] = [];
  const http: HttpGovernor = {
    policy<Req extends PipelineRequestLike, Res extends PipelineResponseLike>(
      options: HttpPolicyOptions,
    ): PipelinePolicyLike<Req, Res> {
      const policy = governor.policy<Req, Res>(options);
      return {
        name: policy.name,
        sendRequest(request: Req, next: (request: Req) => Promise<Res>): Promise<Res> {
          seen.push(`${options.side} ${request.method} ${new URL(request.url).pathname}`);
          return policy.sendRequest(request, next);
        },
      };
    },
    retry: (operation, fn) => governor.retry(operation, fn),
  };
  return { governor, http, seen };
}

function account(name: string, endpoints: Record<string, string>): AzureResource {
  return {
    id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${name}`,
    type: "Microsoft.Storage/storageAccounts",
    name,
    properties: { primaryEndpoints: endpoints },
  };
}

describe("credentials (pure)", () => {
  it("parses a connection string: keys and SAS may contain '=', names are case-insensitive", () => {
    const parts = parseStorageConnectionString(
      "DefaultEndpointsProtocol=https;accountname=acct;AccountKey=a2V5PT0=;BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=?sv=1&sig=x%3D",
    );
    expect(parts).toEqual({
      accountName: "acct",
      accountKey: "a2V5PT0=",
      sharedAccessSignature: "sv=1&sig=x%3D",
      defaultEndpointsProtocol: "https",
      endpoints: { blob: "https://acct.blob.core.windows.net/" },
    });
  });

  it("a configured storage credential wins over Entra ID, and every secret is registered first", () => {
    const redactor = new SecretRedactor();
    const token = { getToken: async () => ({ token: "t", expiresOnTimestamp: 0 }) };
    const viaConnection = storageAccountCredential(
      {
        side: "source",
        tokenCredential: token,
        storage: {
          type: "connectionString",
          connectionString: "AccountName=other;AccountKey=c2VjcmV0LWtleQ==",
        },
      },
      "acct",
      redactor,
    );
    expect(viaConnection).toMatchObject({
      kind: "sharedKey",
      accountName: "other",
      accountKey: "c2VjcmV0LWtleQ==",
    });
    expect(redactor.redact("key c2VjcmV0LWtleQ== here")).not.toContain("c2VjcmV0LWtleQ==");

    const viaSas = storageAccountCredential(
      { side: "target", storage: { type: "sas", sasToken: "?sv=2024&sig=abc%2Bdef" } },
      "acct",
      redactor,
    );
    expect(viaSas.kind).toBe("sas");
    expect(viaSas.kind === "sas" && viaSas.credential.signature).toBe("sv=2024&sig=abc%2Bdef");
    expect(redactor.redact("sig abc+def and abc%2Bdef")).not.toMatch(/abc/);

    expect(storageAccountCredential({ side: "source", tokenCredential: token }, "acct", redactor)).toEqual({
      kind: "token",
      credential: token,
    });
  });

  it("names the side, the account and the fix when nothing or too little is configured", () => {
    const redactor = new SecretRedactor();
    expect(() => storageAccountCredential({ side: "target" }, "acct", redactor)).toThrow(
      expect.objectContaining({
        code: "DP_CREDENTIAL_MISSING",
        message: expect.stringMatching(/target storage account acct/),
      }),
    );
    expect(() =>
      storageAccountCredential(
        { side: "source", storage: { type: "connectionString", connectionString: "AccountName=acct" } },
        "acct",
        redactor,
      ),
    ).toThrow(expect.objectContaining({ code: "DP_INVALID_CONFIG" }));
    expect(() => entraCredential({ side: "source" }, "vault https://v.vault.azure.net")).toThrow(
      expect.objectContaining({ code: "DP_CREDENTIAL_MISSING" }),
    );
    expect(() => storageEndpoint(account("acct", {}), "queue")).toThrow(/primaryEndpoints\.queue/);
    expect(storageEndpoint(account("acct", { table: "http://127.0.0.1:1/acct/" }), "table")).toBe(
      "http://127.0.0.1:1/acct",
    );
    expect(withSasToken("https://a/c?restype=container", "?sv=1")).toBe("https://a/c?restype=container&sv=1");
  });
});

describe("against Azurite (unmodified SDK clients)", () => {
  let azurite: AzuriteInstance;
  let key: string;
  let resource: AzureResource;

  beforeAll(async () => {
    azurite = await startAzurite({ accounts: [{ name: "helperacct" }], services: ["blob", "table"] });
    key = azurite.accounts[0]!.key;
    resource = account("helperacct", {
      blob: `${azurite.blobEndpoint("helperacct")}/`,
      table: `${azurite.tableEndpoint!("helperacct")}/`,
    });
  }, 120_000);

  afterAll(async () => {
    await azurite?.stop();
  });

  const keyAccess = (): SideAccess => ({
    side: "source",
    storage: { type: "sharedKey", accountName: "helperacct", accountKey: key },
  });

  it("storage newPipeline bridge: the governor sees every request once, from the service client and its children", async () => {
    const { http, seen } = countingGovernor();
    const access = keyAccess();
    const connection = storageConnection(resource, "blob", access, new SecretRedactor());
    const service = new blob.BlobServiceClient(
      connection.url,
      governedStoragePipeline(blob, connection.credential, { http }, access, { userAgentPrefix: "test" }),
    );
    const container = service.getContainerClient("bridge");
    await container.create();
    const one = container.getBlockBlobClient("a.txt");
    const two = service.getContainerClient("bridge").getBlockBlobClient("b.txt"); // a second child chain
    await one.upload("hello", 5);
    await two.upload("world", 5);
    const names: string[] = [];
    for await (const b of container.listBlobsFlat()) names.push(b.name);
    expect(names).toEqual(["a.txt", "b.txt"]);
    expect(seen).toEqual([
      "source PUT /helperacct/bridge",
      "source PUT /helperacct/bridge/a.txt",
      "source PUT /helperacct/bridge/b.txt",
      "source GET /helperacct/bridge",
    ]);
  });

  it("storage bridge: the governor sees the SDK's own request (the one a RestError carries)", async () => {
    const requests: object[] = [];
    const { http } = countingGovernor();
    const spying: HttpGovernor = {
      policy<Req extends PipelineRequestLike, Res extends PipelineResponseLike>(options: HttpPolicyOptions) {
        const policy = http.policy<Req, Res>(options);
        return {
          name: policy.name,
          sendRequest(request: Req, next: (request: Req) => Promise<Res>): Promise<Res> {
            requests.push(request);
            return policy.sendRequest(request, next);
          },
        };
      },
      retry: http.retry,
    };
    const access: SideAccess = {
      side: "target",
      storage: {
        type: "sharedKey",
        accountName: "helperacct",
        accountKey: Buffer.from("not-the-key").toString("base64"),
      },
    };
    const connection = storageConnection(resource, "blob", access, new SecretRedactor());
    const service = new blob.BlobServiceClient(
      connection.url,
      governedStoragePipeline(blob, connection.credential, { http: spying }, access),
    );
    const error = await service
      .getContainerClient("bridge")
      .getProperties()
      .then(
        () => undefined,
        (e: unknown) => e as { statusCode?: number; request?: object },
      );
    expect(error?.statusCode).toBe(403);
    expect(requests).toHaveLength(1);
    expect(error?.request).toBe(requests[0]);
  });

  it("a SAS and a connection string become working SDK clients, the SAS in the URL", async () => {
    const sas = blob
      .generateAccountSASQueryParameters(
        {
          expiresOn: new Date(Date.now() + 3_600_000),
          permissions: blob.AccountSASPermissions.parse("rl"),
          services: "b",
          resourceTypes: "sco",
        },
        new blob.StorageSharedKeyCredential("helperacct", key),
      )
      .toString();
    const redactor = new SecretRedactor();
    const { http } = countingGovernor();
    const sasAccess: SideAccess = { side: "source", storage: { type: "sas", sasToken: `?${sas}` } };
    const viaSas = storageConnection(resource, "blob", sasAccess, redactor);
    expect(viaSas.url).toBe(`${azurite.blobEndpoint("helperacct")}?${sas}`);
    const sasService = new blob.BlobServiceClient(
      viaSas.url,
      governedStoragePipeline(blob, viaSas.credential, { http }, sasAccess),
    );
    const listed: string[] = [];
    for await (const c of sasService.listContainers()) listed.push(c.name);
    expect(listed).toContain("bridge");
    expect(redactor.redact(viaSas.url)).not.toContain(new URLSearchParams(sas).get("sig")!);

    const csAccess: SideAccess = {
      side: "source",
      storage: { type: "connectionString", connectionString: azurite.connectionString("helperacct") },
    };
    const viaCs = storageConnection(resource, "blob", csAccess, redactor);
    expect(viaCs.credential.kind).toBe("sharedKey");
    const csService = new blob.BlobServiceClient(
      viaCs.url,
      governedStoragePipeline(blob, viaCs.credential, { http }, csAccess),
    );
    expect(await csService.getContainerClient("bridge").exists()).toBe(true);
  });

  it("core-rest-pipeline bridge (Tables): governed options, the SDK credential from the side", async () => {
    const { http, seen } = countingGovernor();
    const access = keyAccess();
    const connection = storageConnection(resource, "table", access, new SecretRedactor());
    expect(connection.credential.kind).toBe("sharedKey");
    if (connection.credential.kind !== "sharedKey") return;
    const options = governedClientOptions({ http }, access, {
      endpoint: connection.endpoint,
      userAgentPrefix: "test",
    });
    expect(options.retryOptions).toEqual({ maxRetries: 0 });
    expect(options.allowInsecureConnection).toBe(true);
    await new TableServiceClient(connection.endpoint, connection.credential.credential, options).createTable(
      "Bridge",
    );
    const table = new TableClient(connection.endpoint, "Bridge", connection.credential.credential, {
      ...governedClientOptions({ http }, access, { endpoint: connection.endpoint }),
    });
    await table.upsertEntity({ partitionKey: "p", rowKey: "1", n: 1 });
    expect((await table.getEntity("p", "1")).n).toBe(1);
    expect(seen.map((s) => s.split(" ").slice(0, 2).join(" "))).toEqual([
      "source POST",
      "source PATCH",
      "source GET",
    ]);
  });
});
