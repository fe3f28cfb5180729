import { createHash, randomBytes } from "node:crypto";
import type { BlobServiceClient } from "@azure/storage-blob";
import type { FilesEmulator } from "@dataplane/emulators";
import { parallel } from "./bed.js";

const MiB = 1024 * 1024;

export interface SeededBlob {
  readonly container: string;
  readonly name: string;
  readonly size: number;
  readonly archive: boolean;
}

/** What was written into the source account. */
export interface Estate {
  readonly containers: readonly string[];
  readonly blobs: readonly SeededBlob[];
  /** Names of the two large blobs (10 MiB and > 256 MiB) in container `media`. */
  readonly large: { readonly tenMiB: string; readonly overSyncLimit: string };
  readonly largeMd5: Readonly<Record<string, string>>;
  readonly share: string;
  readonly files: readonly string[];
  readonly directories: readonly string[];
  readonly sparseFile: string;
}

function smallName(i: number): string {
  switch (i % 4) {
    case 0:
      return `deep/a/b/c/d/e/f/g/h/file-${i}.bin`;
    case 1:
      return `with space/and  two spaces/file ${i}.txt`;
    case 2:
      return `ünïcödé/日本語/${i}-ファイル 🚀.txt`;
    default:
      return `flat-${i}`;
  }
}

/** A security descriptor other than the share's default. */
export const RESTRICTED_SDDL = "O:BAG:SYD:(A;;FA;;;BA)(A;;0x1200a9;;;S-1-5-21-1-2-3-1001)";

export function md5(data: Uint8Array): string {
  return createHash("md5").update(data).digest("base64");
}

/**
 * A source account worth testing against: ≥ 5,000 blobs in several containers (0 bytes, 1 KiB,
 * 10 MiB, one over 256 MiB; spaces, unicode and deep paths; metadata, tags, tiers including
 * archive; a page and an append blob) and a share tree four levels deep with 600 files.
 */
export async function seedEstate(
  blobs: BlobServiceClient,
  files: FilesEmulator,
  account: string,
): Promise<Estate> {
  const seeded: SeededBlob[] = [];
  const alpha = blobs.getContainerClient("alpha");
  const beta = blobs.getContainerClient("beta");
  const media = blobs.getContainerClient("media");
  await Promise.all([
    alpha.create({ metadata: { team: "data", Owner: "alice" }, access: "blob" }),
    beta.create({ metadata: { purpose: "logs" } }),
    media.create({ access: "container" }),
    blobs.getContainerClient("empty").create({ metadata: { note: "nothing inside" } }),
  ]);

  const smallJobs: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < 2600; i++) {
    const name = smallName(i);
    const size = i % 8 === 3 ? 0 : 1024;
    const body = size === 0 ? Buffer.alloc(0) : randomBytes(size);
    const tier = i % 11 === 0 ? "Cool" : i % 13 === 0 ? "Hot" : undefined;
    seeded.push({ container: "alpha", name, size, archive: false });
    smallJobs.push(() =>
      alpha.getBlockBlobClient(name).upload(body, size, {
        ...(i % 5 === 0 ? { metadata: { source: "seed", index: String(i) } } : {}),
        ...(i % 7 === 0 ? { tags: { project: `p${i % 3}`, "cost-center": "42" } } : {}),
        ...(tier ? { tier } : {}),
        blobHTTPHeaders: {
          blobContentType: i % 2 === 0 ? "application/octet-stream" : "text/plain; charset=utf-8",
          ...(i % 9 === 0 ? { blobCacheControl: "max-age=60", blobContentLanguage: "fr-CA" } : {}),
          ...(i % 10 === 0 ? { blobContentDisposition: 'attachment; filename="x.txt"' } : {}),
        },
      }),
    );
  }
  for (let i = 0; i < 2500; i++) {
    const name = `logs/2026/${String(1 + (i % 12)).padStart(2, "0")}/entry-${i}.json`;
    const body = Buffer.from(
      JSON.stringify({ i, pad: "x".repeat(1000) })
        .slice(0, 1024)
        .padEnd(1024, " "),
    );
    const archive = i % 100 === 7;
    seeded.push({ container: "beta", name, size: body.length, archive });
    smallJobs.push(() =>
      beta.getBlockBlobClient(name).upload(body, body.length, {
        blobHTTPHeaders: { blobContentType: "application/json", blobContentEncoding: "identity" },
        ...(archive ? { tier: "Archive" } : {}),
        ...(i % 50 === 0 ? { metadata: { rotated: "yes" } } : {}),
      }),
    );
  }
  await parallel(smallJobs, 64, (job) => job());

  const tenMiB = randomBytes(10 * MiB);
  const over = randomBytes(257 * MiB);
  const large = { tenMiB: "video/clip 10MiB.bin", overSyncLimit: "huge/over-256MiB.bin" };
  await media.getBlockBlobClient(large.tenMiB).uploadData(tenMiB, {
    blobHTTPHeaders: { blobContentType: "video/mp4" },
    metadata: { camera: "a" },
  });
  await media.getBlockBlobClient(large.overSyncLimit).uploadData(over, {
    blockSize: 32 * MiB,
    concurrency: 4,
    blobHTTPHeaders: {
      blobContentType: "application/x-binary",
      blobContentMD5: new Uint8Array(createHash("md5").update(over).digest()),
    },
    metadata: { size: "257MiB" },
    tags: { big: "true" },
    tier: "Cool",
  });
  const page = media.getPageBlobClient("disk.vhd");
  await page.create(MiB, { metadata: { kind: "page" } });
  await page.uploadPages(randomBytes(64 * 1024), 0, 64 * 1024);
  const append = media.getAppendBlobClient("append/log.txt");
  await append.create({ blobHTTPHeaders: { blobContentType: "text/plain" } });
  for (const line of ["one\n", "two\n", "three\n"]) await append.appendBlock(line, line.length);
  seeded.push(
    { container: "media", name: large.tenMiB, size: tenMiB.length, archive: false },
    { container: "media", name: large.overSyncLimit, size: over.length, archive: false },
    { container: "media", name: "disk.vhd", size: MiB, archive: false },
    { container: "media", name: "append/log.txt", size: 14, archive: false },
  );

  // The share: seeded in memory (fast), four levels, 600 files, SMB properties and headers.
  const share = "team-docs";
  files.seedShare(account, share, { quota: 20, accessTier: "Cool", metadata: { department: "finance" } });
  const directories = new Set<string>();
  const filePaths: string[] = [];
  let n = 0;
  for (let a = 0; a < 6; a++) {
    const l1 = a === 5 ? "équipe 5" : `team-${a}`;
    for (let b = 0; b < 4; b++) {
      const l2 = `${l1}/project ${b}`;
      for (let c = 0; c < 5; c++) {
        const l3 = `${l2}/2026-0${c + 1}`;
        for (const dir of [l1, l2, l3]) directories.add(dir);
        files.seedDirectory(account, share, l3, {
          ...(c === 0 ? { metadata: { level: "3" }, attributes: "Hidden" } : {}),
          creationTime: new Date(Date.UTC(2024, a, b + 1, c)),
        });
        for (let f = 0; f < 5; f++) {
          const path = `${l3}/doc ${f}${f === 4 ? " ü" : ""}.txt`;
          const content = randomBytes(100 + ((n * 37) % 1900));
          n++;
          filePaths.push(path);
          files.seedFile(account, share, path, content, {
            contentType: f % 2 === 0 ? "text/plain" : "application/pdf",
            ...(f === 1
              ? { cacheControl: "no-cache", contentDisposition: "inline", contentLanguage: "de" }
              : {}),
            ...(f === 2 ? { contentMD5: md5(content) } : {}),
            ...(f === 3 ? { metadata: { reviewed: "yes", by: "bob" } } : {}),
            ...(f === 4 ? { attributes: "ReadOnly|Archive" } : {}),
            creationTime: new Date(Date.UTC(2025, 0, 1 + f)),
            lastWriteTime: new Date(Date.UTC(2025, 5, 1 + f, n % 24)),
          });
        }
      }
    }
  }
  files.seedFile(account, share, "README at root.md", "# docs\n", { contentType: "text/markdown" });
  filePaths.push("README at root.md");
  // Their own security descriptors (the rest inherit the share's default).
  files.seedDirectory(account, share, "restricted", { permission: RESTRICTED_SDDL });
  directories.add("restricted");
  files.seedFile(account, share, "restricted/payroll.csv", "name,amount\n", { permission: RESTRICTED_SDDL });
  filePaths.push("restricted/payroll.csv");
  // Larger than the single Copy File limit we use: copied with Put Range From URL.
  const sparseFile = "archive/big sparse.bin";
  directories.add("archive");
  files.seedFile(account, share, sparseFile, randomBytes(MiB), {
    size: 260 * MiB,
    metadata: { sparse: "true" },
  });
  filePaths.push(sparseFile);

  return {
    containers: ["alpha", "beta", "empty", "media"],
    blobs: seeded,
    large,
    largeMd5: { [large.tenMiB]: md5(tenMiB), [large.overSyncLimit]: md5(over) },
    share,
    files: filePaths,
    directories: [...directories],
    sparseFile,
  };
}
