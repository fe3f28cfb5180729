import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bed, startBed } from "./helpers/bed.js";
import { type Outcome, PACKAGE_DIR, runDataplane } from "./helpers/cli.js";

const SRC = "authsource";
const DST = "authtarget";

let bed: Bed;

function dataplane(args: readonly string[]): Promise<Outcome> {
  return runDataplane(args, { cwd: bed.dir, env: { DATAPLANE_PLUGINS: PACKAGE_DIR } });
}

function sas(
  account: string,
  options: { permissions: string; services?: string; key?: string; expiresOn?: Date; startsOn?: Date },
): string {
  return generateAccountSASQueryParameters(
    {
      services: AccountSASServices.parse(options.services ?? "bf").toString(),
      resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
      permissions: AccountSASPermissions.parse(options.permissions),
      ...(options.startsOn ? { startsOn: options.startsOn } : {}),
      expiresOn: options.expiresOn ?? new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(account, options.key ?? bed.key(account)),
  ).toString();
}

const WRONG_KEY = randomBytes(64).toString("base64");

type Credential = { accountKey: string } | { sasToken: string };

async function run(name: string, source: Credential, target: Credential, extra: string[] = []) {
  const config = join(bed.dir, `${name}.config.json`);
  writeFileSync(config, JSON.stringify({ storage: { [SRC]: source, [DST]: target } }));
  return dataplane([
    "replicate",
    "--source",
    bed.resourcePath(SRC),
    "--target",
    bed.resourcePath(DST),
    "--config",
    config,
    ...extra,
  ]);
}

async function targetIsEmpty(): Promise<void> {
  const containers: string[] = [];
  for await (const c of bed.blob(DST).listContainers()) containers.push(c.name);
  const shares: string[] = [];
  for await (const s of bed.share(DST).listShares()) shares.push(s.name);
  expect({ containers, shares }).toEqual({ containers: [], shares: [] });
}

beforeAll(async () => {
  bed = await startBed([SRC, DST]);
  const container = bed.blob(SRC).getContainerClient("reports");
  await container.create();
  await container.getBlockBlobClient("2026/q1.csv").upload("a,b\n", 4);
  bed.files.seedFile(SRC, "docs", "guide/intro.txt", "hello");
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

const key = (account: string): Credential => ({ accountKey: bed.key(account) });

describe("a refused credential: one line naming side, account and fix; exit 2; nothing written", () => {
  const cases: ReadonlyArray<{
    name: string;
    source: () => Credential;
    target: () => Credential;
    extra?: string[];
    expect: RegExp;
  }> = [
    {
      name: "source-wrong-key",
      source: () => ({ accountKey: WRONG_KEY }),
      target: () => key(DST),
      expect: /the source storage account authsource refused its account key \(403 \w+\).*accountKey/,
    },
    {
      name: "target-wrong-key",
      source: () => key(SRC),
      target: () => ({ accountKey: WRONG_KEY }),
      expect: /the target storage account authtarget refused its account key \(403 \w+\).*accountKey/,
    },
    {
      name: "target-wrong-key-files",
      source: () => key(SRC),
      target: () => ({ accountKey: WRONG_KEY }),
      extra: ["--services", "file"],
      expect: /the target storage account authtarget refused its account key \(403 AuthenticationFailed\)/,
    },
    {
      name: "source-sas-wrong-signature",
      source: () => ({ sasToken: sas(SRC, { permissions: "rl", key: WRONG_KEY }) }),
      target: () => key(DST),
      expect: /the source storage account authsource refused its SAS \(403 \w+\).*sasToken/,
    },
    {
      name: "target-read-only-sas",
      source: () => key(SRC),
      target: () => ({ sasToken: sas(DST, { permissions: "rl" }) }),
      expect: /the target storage account authtarget: its SAS lacks the permission w .*permissions rwl/,
    },
    {
      name: "source-sas-without-read",
      source: () => ({ sasToken: sas(SRC, { permissions: "l" }) }),
      target: () => key(DST),
      expect: /the source storage account authsource: its SAS lacks the permission r /,
    },
    {
      name: "target-sas-without-file-service",
      source: () => key(SRC),
      target: () => ({ sasToken: sas(DST, { permissions: "rwlc", services: "b" }) }),
      expect: /the target storage account authtarget: its SAS does not cover the service f \(file\)/,
    },
    {
      name: "source-sas-expired",
      source: () => ({
        sasToken: sas(SRC, {
          permissions: "rl",
          startsOn: new Date(Date.now() - 7200_000),
          expiresOn: new Date(Date.now() - 3600_000),
        }),
      }),
      target: () => key(DST),
      expect: /the source storage account authsource: its SAS expired at /,
    },
    {
      name: "target-sas-without-signature (401)",
      source: () => key(SRC),
      target: () => ({ sasToken: sas(DST, { permissions: "rwlc" }).replace(/&sig=[^&]*/, "") }),
      extra: ["--services", "file"],
      expect: /the target storage account authtarget found no valid signature in its SAS \(401 \w+\)/,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const outcome = await run(c.name.split(" ")[0]!, c.source(), c.target(), c.extra);
      expect(outcome.code, outcome.err).toBe(2);
      const errors = outcome.err.split("\n").filter((l) => l.startsWith("error:"));
      expect(errors, outcome.err).toHaveLength(1);
      expect(errors[0]).toMatch(c.expect);
      expect(outcome.err + outcome.out).not.toMatch(/RequestId:|Time:20|\n\s+at /);
      await targetIsEmpty();
    }, 60_000);
  }

  it("while SASes with exactly the permissions asked for (source rl, target rwl) replicate", async () => {
    const outcome = await run(
      "enough",
      { sasToken: sas(SRC, { permissions: "rl" }) },
      { sasToken: sas(DST, { permissions: "rwl" }) },
      ["--blob-tags", "skip"],
    );
    expect(outcome.code, outcome.err).toBe(0);
    expect(outcome.out).toMatch(/total\s+\d+\s+\d+/);
    expect(await bed.blob(DST).getContainerClient("reports").getBlockBlobClient("2026/q1.csv").exists()).toBe(
      true,
    );
  }, 60_000);
});
