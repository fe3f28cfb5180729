import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyVaultEmulator } from "@dataplane/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLACEHOLDER_TAG, PLACEHOLDER_VALUE } from "../src/index.js";
import { cliBed } from "./helpers/cli.js";
import { canary } from "./helpers/seed.js";
import { startVaults, vaultConfig } from "./helpers/vaults.js";
import { clients } from "./helpers/verify.js";

/**
 * Through the CLI against the emulator, whose listings are ordered as the service's (versions by
 * id): versions written within one second, disabled secrets, key material, template stand-ins.
 */

let emulator: KeyVaultEmulator;
let dir: string;
let bed: ReturnType<typeof cliBed>;

const BURST = ["burst-a", "burst-b", "burst-c", "burst-d", "burst-e"];
const VAULTS = [
  "src",
  "all-target",
  "latest-then-all",
  "disabled-target",
  "keys-target",
  "geo-target",
  "template-target",
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dp-kv-cli-versions-"));
  emulator = await startVaults(
    VAULTS.map((name) => vaultConfig(name, name === "geo-target" ? { location: "westeurope" } : {})),
  );
  bed = cliBed(emulator, dir, VAULTS);
  // Several secrets with 3–5 versions each, written back to back (within one second: the emulator
  // keeps whole seconds like the service, so their creation times are equal and only the version
  // ids, random, tell them apart in a listing).
  for (const [i, name] of BURST.entries()) {
    for (let v = 0; v < 3 + (i % 3); v++) {
      emulator.seedSecret("src", name, canary(`${name}-${v}`), {
        ...(v % 2 === 0 ? { tags: { generation: String(v) } } : {}),
        ...(v === 1 ? { contentType: "text/plain" } : {}),
      });
    }
  }
  emulator.seedSecret("src", "untagged", canary("untagged"));
  emulator.seedSecret("src", "disabled-changed", canary("disabled-changed-0"), { enabled: false });
  emulator.seedSecret("src", "disabled-same", canary("disabled-same-0"), { enabled: false });
  const src = clients(emulator, "src");
  await src.keys.createRsaKey("rsa-key", { keySize: 2048 });
  await src.keys.createEcKey("ec-key", { curve: "P-256", tags: { team: "core" } });
  // A certificate with three versions (exportable: replicated version by version with --versions all).
  for (let v = 0; v < 3; v++) {
    await (
      await src.certificates.beginCreateCertificate(
        "web-cert",
        {
          issuerName: "Self",
          subject: `CN=web-${v}.example`,
          exportable: true,
          contentType: "application/x-pkcs12",
        },
        { intervalInMs: 50 },
      )
    ).pollUntilDone();
  }
});

afterAll(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The current value (what GET returns) of every burst secret, and the certificate's thumbprint. */
async function currentValues(vault: string): Promise<Record<string, string | undefined>> {
  const { secrets, certificates } = clients(emulator, vault);
  const out: Record<string, string | undefined> = {};
  for (const name of [...BURST, "untagged"]) out[name] = (await secrets.getSecret(name)).value;
  out["web-cert"] = (await certificates.getCertificate("web-cert")).properties.x509ThumbprintString;
  return out;
}

async function certificateVersions(vault: string): Promise<number> {
  let n = 0;
  for await (const _ of clients(emulator, vault).certificates.listPropertiesOfCertificateVersions("web-cert"))
    n++;
  return n;
}

const secretItems = (items: Map<string, { key: string; status: string }>) =>
  [...items.values()].filter((i) => i.key.startsWith("secret/burst-"));

describe("--versions all with versions written within one second", () => {
  it("leaves the source's current value in the target, and a re-run writes no version", async () => {
    const first = await bed.replicate("src", "all-target", "--versions", "all");
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(await currentValues("all-target")).toEqual(await currentValues("src"));
    // every readable version arrived
    const { secrets } = clients(emulator, "all-target");
    for (const [i, name] of BURST.entries()) {
      let n = 0;
      for await (const _ of secrets.listPropertiesOfSecretVersions(name)) n++;
      expect(n, name).toBe(3 + (i % 3));
    }
    expect(await certificateVersions("all-target")).toBe(3);

    emulator.resetStats("all-target");
    const again = await bed.replicate("src", "all-target", "--versions", "all");
    expect(again.code, again.stderr).toBe(0);
    expect(emulator.stats("all-target").secretVersionsCreated).toBe(0);
    expect(emulator.stats("all-target").certificatesImported).toBe(0);
    expect(secretItems(again.items).map((i) => i.status)).toEqual(BURST.map(() => "skipped-unchanged"));
    expect(again.items.get("certificate/web-cert")?.status).toBe("skipped-unchanged");
  });

  it("does the same after a latest-only run", async () => {
    const latest = await bed.replicate("src", "latest-then-all");
    expect(latest.code, latest.stderr).toBe(0);
    const all = await bed.replicate("src", "latest-then-all", "--versions", "all");
    expect(all.code, all.stderr).toBe(0);
    expect(await currentValues("latest-then-all")).toEqual(await currentValues("src"));
    expect(secretItems(all.items).map((i) => i.status)).toEqual(BURST.map(() => "updated"));

    expect(all.items.get("certificate/web-cert")?.status).toBe("updated");
    expect(await certificateVersions("latest-then-all")).toBeGreaterThanOrEqual(3);

    emulator.resetStats("latest-then-all");
    const again = await bed.replicate("src", "latest-then-all", "--versions", "all");
    expect(again.code, again.stderr).toBe(0);
    expect(emulator.stats("latest-then-all").secretVersionsCreated).toBe(0);
    expect(emulator.stats("latest-then-all").certificatesImported).toBe(0);
    expect(again.items.get("certificate/web-cert")?.status).toBe("skipped-unchanged");
    expect(secretItems(again.items).map((i) => i.status)).toEqual(BURST.map(() => "skipped-unchanged"));
  });

  it("writes an untagged secret without tags, as the service answers it", async () => {
    const { secrets } = clients(emulator, "all-target");
    const copied = await secrets.getSecret("untagged");
    expect(copied.properties.tags).toBeUndefined();
  });
});

describe("disabled secrets", () => {
  it("are not reported unchanged when the source changed while disabled", async () => {
    const first = await bed.replicate("src", "disabled-target");
    expect(first.code, first.stderr).toBe(0);
    expect(first.items.get("secret/disabled-changed")?.status).toBe("created");

    const src = clients(emulator, "src").secrets;
    // A new value, written disabled: nobody can read it, the plugin included.
    await src.setSecret("disabled-changed", canary("disabled-changed-1"), { enabled: false });
    // Only an attribute of the other one changes.
    for await (const v of src.listPropertiesOfSecretVersions("disabled-same"))
      await src.updateSecretProperties("disabled-same", v.version!, { tags: { reviewed: "yes" } });

    const again = await bed.replicate("src", "disabled-target");
    expect(again.code).not.toBe(2);
    const changed = again.items.get("secret/disabled-changed");
    expect(changed?.status).toBe("skipped-unsupported");
    expect(changed?.reason).toMatch(/^cannot compare: disabled/);
    expect(changed?.reason).toMatch(/1 of 2 missing/);
    const same = again.items.get("secret/disabled-same");
    expect(same?.status).toBe("updated");
    const dst = clients(emulator, "disabled-target").secrets;
    for await (const v of dst.listPropertiesOfSecretVersions("disabled-same")) {
      expect(v.tags).toEqual({ reviewed: "yes" });
      expect(v.enabled).toBe(false);
    }

    const third = await bed.replicate("src", "disabled-target");
    expect(third.items.get("secret/disabled-same")?.status).toBe("skipped-unchanged");
    expect(third.items.get("secret/disabled-same")?.reason).toMatch(/same 1 versions/);
    expect(third.items.get("secret/disabled-changed")?.status).toBe("skipped-unsupported");
  });
});

describe("key material", () => {
  it("a different key of the same name is a conflict, never unchanged, even with --on-conflict overwrite", async () => {
    const dst = clients(emulator, "keys-target").keys;
    await dst.createRsaKey("rsa-key", { keySize: 2048 });
    const run = await bed.replicate("src", "keys-target");
    expect(run.code).not.toBe(2);
    expect(run.items.get("key/rsa-key")).toMatchObject({ status: "skipped-conflict" });
    expect(run.items.get("key/rsa-key")?.reason).toMatch(/different key of the same name/);
    expect(run.items.get("key/ec-key")?.status).toBe("created");

    const overwrite = await bed.replicate("src", "keys-target", "--on-conflict", "overwrite");
    const rsa = overwrite.items.get("key/rsa-key");
    expect(rsa?.status).toBe("skipped-unsupported");
    expect(rsa?.reason).toMatch(/delete and purge the target key/);
    expect(overwrite.items.get("key/ec-key")).toMatchObject({ status: "skipped-unchanged" });
  });

  it("a key this tool re-created is a known difference, reported as such", async () => {
    const first = await bed.replicate("src", "geo-target");
    expect(first.code, first.stderr).toBe(0);
    expect(first.items.get("key/rsa-key")?.reason).toMatch(/NEW key material/);
    const again = await bed.replicate("src", "geo-target");
    expect(again.code, again.stderr).toBe(0);
    for (const key of ["key/rsa-key", "key/ec-key"]) {
      expect(again.items.get(key)?.status, key).toBe("skipped-unchanged");
      expect(again.items.get(key)?.reason, key).toMatch(/differs from the source's by design/);
    }
    expect(`${again.stdout}${again.stderr}`).toMatch(/2 keys in the target hold other key material/);

    // The source key is rotated: its newer version is re-created, not left as "unchanged". (Times
    // are whole seconds: wait for the clock to pass the re-created key's second first.)
    const recreated = (await clients(emulator, "geo-target").keys.getKey("ec-key")).properties.createdOn!;
    while (Math.floor(Date.now() / 1000) <= Math.floor(recreated.getTime() / 1000)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await clients(emulator, "src").keys.rotateKey("ec-key");
    const rotated = await bed.replicate("src", "geo-target");
    expect(rotated.items.get("key/ec-key")?.status).toBe("updated");
    expect(rotated.items.get("key/ec-key")?.reason).toMatch(/newer/);
  });
});

describe("template mode, then a replication", () => {
  it("replaces every placeholder with the real value, counted as updates, without --on-conflict", async () => {
    const template = await bed.replicate("src", "template-target", "--mode", "template");
    expect(template.code, template.stderr).toBe(0);
    const dst = clients(emulator, "template-target");
    expect((await dst.secrets.getSecret("burst-a")).value).toBe(PLACEHOLDER_VALUE);

    const run = await bed.replicate("src", "template-target");
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const statuses = [...run.items.values()]
      .filter((i) => ["secret", "key", "certificate"].includes(i.kind))
      .map((i) => `${i.key}=${i.status}`);
    expect(
      statuses.every((s) => s.endsWith("=updated")),
      statuses.join("\n"),
    ).toBe(true);
    expect(statuses).toHaveLength(BURST.length + 3 + 2 + 1);

    expect(await currentValues("template-target")).toEqual(await currentValues("src"));
    // No placeholder left: no tag on any current secret, key or certificate, no placeholder value.
    for await (const p of dst.secrets.listPropertiesOfSecrets()) {
      if (p.managed) continue;
      expect(p.tags?.[PLACEHOLDER_TAG], p.name).toBeUndefined();
      if (p.enabled) expect((await dst.secrets.getSecret(p.name)).value, p.name).not.toBe(PLACEHOLDER_VALUE);
    }
    for await (const p of dst.keys.listPropertiesOfKeys())
      if (!p.managed) expect(p.tags?.[PLACEHOLDER_TAG], p.name).toBeUndefined();
    for await (const p of dst.certificates.listPropertiesOfCertificates())
      expect(p.tags?.[PLACEHOLDER_TAG], p.name).toBeUndefined();
    // The key now holds the source's key material (backup/restore), the certificate the source's.
    const src = clients(emulator, "src");
    expect((await dst.keys.getKey("rsa-key")).key?.n).toEqual((await src.keys.getKey("rsa-key")).key?.n);
    expect((await dst.certificates.getCertificate("web-cert")).properties.x509ThumbprintString).toBe(
      (await src.certificates.getCertificate("web-cert")).properties.x509ThumbprintString,
    );

    const again = await bed.replicate("src", "template-target");
    expect(again.code, again.stderr).toBe(0);
    const left = [...again.items.values()].filter(
      (i) => ["secret", "key", "certificate"].includes(i.kind) && i.status !== "skipped-unchanged",
    );
    expect(left, JSON.stringify(left, null, 2)).toEqual([]);
  });
});

describe("secret values never leak", () => {
  it("no canary appears in anything the CLI printed or reported", () => {
    const all = bed.transcript.join("\n");
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toMatch(/CANARY-/);
  });
});
