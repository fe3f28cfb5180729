// A small sample estate on the source side, for the demo: secrets with versions and tags, a
// key, a certificate, two blob containers, and a share with nested directories.
import { createContainer, putBlockBlob } from "./blobRest.js";
import { createRsaKey, createSelfSignedCertificate } from "./keyVaultRest.js";
import type { StartedEmulators } from "./startEmulators.js";

export interface SampleEstate {
  vault: { name: string; secrets: string[]; secretVersions: number; keys: string[]; certificates: string[] };
  storageAccount: string;
  containers: Record<string, string[]>;
  shares: Record<string, string[]>;
}

const SECRETS: Array<{
  name: string;
  versions: string[];
  contentType?: string;
  tags?: Record<string, string>;
}> = [
  {
    name: "db-password",
    versions: ["correct-horse-1", "correct-horse-2", "correct-horse-3"],
    contentType: "text/plain",
    tags: { env: "demo", rotated: "true" },
  },
  { name: "api-key", versions: ["ak_live_0123456789"], tags: { owner: "payments" } },
  { name: "connection-string", versions: ["Server=db.local;Database=app"], contentType: "text/plain" },
];

const CONTAINERS: Array<{
  name: string;
  metadata: Record<string, string>;
  blobs: Array<{
    name: string;
    content: string;
    contentType: string;
    metadata?: Record<string, string>;
    tags?: Record<string, string>;
  }>;
}> = [
  {
    name: "images",
    metadata: { purpose: "demo" },
    blobs: [
      {
        name: "logo.svg",
        content: "<svg xmlns='http://www.w3.org/2000/svg'/>",
        contentType: "image/svg+xml",
        metadata: { author: "design" },
        tags: { team: "brand" },
      },
      {
        name: "banners/2026/spring.txt",
        content: "spring banner",
        contentType: "text/plain",
        tags: { season: "spring" },
      },
    ],
  },
  {
    name: "documents",
    metadata: { retention: "1y" },
    blobs: [
      {
        name: "readme.md",
        content: "# Sample estate\n",
        contentType: "text/markdown",
        metadata: { reviewed: "yes" },
      },
      {
        name: "reports/q1.csv",
        content: "month,total\njan,1\nfeb,2\nmar,3\n",
        contentType: "text/csv",
        tags: { quarter: "q1" },
      },
    ],
  },
];

const SHARE = "shared-docs";
const SHARE_FILES: Array<{
  path: string;
  content: string;
  contentType: string;
  metadata?: Record<string, string>;
}> = [
  {
    path: "projects/alpha/notes.md",
    content: "alpha notes\n",
    contentType: "text/markdown",
    metadata: { project: "alpha" },
  },
  { path: "projects/beta/data.csv", content: "a,b\n1,2\n", contentType: "text/csv" },
  { path: "archive/2025/old.txt", content: "archived\n", contentType: "text/plain" },
  { path: "welcome.txt", content: "hello from the Files emulator\n", contentType: "text/plain" },
];

export async function seedSampleEstate(started: StartedEmulators): Promise<SampleEstate> {
  const vault = started.vaults.source;
  let secretVersions = 0;
  for (const secret of SECRETS) {
    for (const value of secret.versions) {
      started.keyVault.seedSecret(vault.name, secret.name, value, {
        contentType: secret.contentType,
        tags: secret.tags,
      });
      secretVersions += 1;
    }
  }
  const endpoint = { vaultUri: vault.vaultUri, ca: started.keyVault.caCertificatePem };
  await createRsaKey(endpoint, "signing-key", { purpose: "signing" });
  await createSelfSignedCertificate(endpoint, "web-cert", "CN=demo.dataplane.local", { env: "demo" });

  const { name, key } = started.storageAccounts.source;
  const account = { endpoint: started.azurite.blobEndpoint(name), name, key };
  const containers: Record<string, string[]> = {};
  for (const container of CONTAINERS) {
    await createContainer(account, container.name, container.metadata);
    for (const blob of container.blobs) {
      await putBlockBlob(account, container.name, blob.name, blob.content, blob);
    }
    containers[container.name] = container.blobs.map((b) => b.name).sort();
  }

  started.files.seedShare(name, SHARE, { quota: 10, metadata: { purpose: "demo" } });
  for (const file of SHARE_FILES) {
    started.files.seedFile(name, SHARE, file.path, file.content, {
      contentType: file.contentType,
      metadata: file.metadata,
    });
  }
  return {
    vault: {
      name: vault.name,
      secrets: SECRETS.map((s) => s.name),
      secretVersions,
      keys: ["signing-key"],
      certificates: ["web-cert"],
    },
    storageAccount: name,
    containers,
    shares: { [SHARE]: SHARE_FILES.map((f) => f.path) },
  };
}
