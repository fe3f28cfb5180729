import { createHash } from "node:crypto";
import type { BlobServiceClient } from "@azure/storage-blob";
import type { ShareClient, ShareServiceClient } from "@azure/storage-file-share";
import { PROVENANCE_KEY } from "../../src/replicate/provenance.js";
import { parallel } from "./bed.js";

export interface BlobState {
  readonly size: number;
  readonly md5?: string;
  readonly etag: string;
  readonly blobType: string;
  readonly metadata: Record<string, string>;
  readonly provenance?: string;
  readonly tags: Record<string, string>;
  readonly tier?: string;
  readonly headers: Record<string, string | undefined>;
}

function withoutProvenance(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata ?? {}))
    if (k.toLowerCase() !== PROVENANCE_KEY) out[k.toLowerCase()] = v;
  return out;
}

function b64(bytes: Uint8Array | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString("base64") : undefined;
}

/** Every blob of the account's containers, by `container/name`, straight from the SDK. */
export async function blobStates(service: BlobServiceClient): Promise<Map<string, BlobState>> {
  const states = new Map<string, BlobState>();
  for await (const c of service.listContainers()) {
    for await (const b of service
      .getContainerClient(c.name)
      .listBlobsFlat({ includeMetadata: true, includeTags: true })) {
      const p = b.properties;
      const md5 = b64(p.contentMD5);
      const provenance = Object.entries(b.metadata ?? {}).find(
        ([k]) => k.toLowerCase() === PROVENANCE_KEY,
      )?.[1];
      states.set(`${c.name}/${b.name}`, {
        size: p.contentLength ?? 0,
        ...(md5 ? { md5 } : {}),
        etag: p.etag,
        blobType: p.blobType ?? "",
        metadata: withoutProvenance(b.metadata),
        ...(provenance ? { provenance } : {}),
        tags: b.tags ?? {},
        ...(p.accessTier ? { tier: p.accessTier } : {}),
        headers: {
          contentType: p.contentType,
          contentEncoding: p.contentEncoding,
          contentLanguage: p.contentLanguage,
          contentDisposition: p.contentDisposition,
          cacheControl: p.cacheControl,
        },
      });
    }
  }
  return states;
}

export async function streamMd5(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) throw new Error("no body");
  const hash = createHash("md5");
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("base64");
}

export async function blobMd5(service: BlobServiceClient, container: string, name: string): Promise<string> {
  const response = await service.getContainerClient(container).getBlobClient(name).download();
  return streamMd5(response.readableStreamBody);
}

export interface FsEntry {
  readonly kind: "directory" | "file";
  readonly size: number;
  readonly metadata: Record<string, string>;
  readonly provenance?: string;
  readonly attributes: string;
  readonly creationTime?: string;
  readonly lastWriteTime?: string;
  readonly headers: Record<string, string | undefined>;
}

/** Every directory and file of a share with full properties (one request per entry). */
export async function shareTree(
  service: ShareServiceClient,
  shareName: string,
): Promise<Map<string, FsEntry>> {
  const share: ShareClient = service.getShareClient(shareName);
  const paths: { kind: "directory" | "file"; path: string }[] = [];
  const queue = [""];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const client = dir === "" ? share.rootDirectoryClient : share.getDirectoryClient(dir);
    for await (const e of client.listFilesAndDirectories()) {
      const path = dir === "" ? e.name : `${dir}/${e.name}`;
      paths.push({ kind: e.kind, path });
      if (e.kind === "directory") queue.push(path);
    }
  }
  const tree = new Map<string, FsEntry>();
  await parallel(paths, 16, async ({ kind, path }) => {
    const p =
      kind === "directory"
        ? await share.getDirectoryClient(path).getProperties()
        : await share.rootDirectoryClient.getFileClient(path).getProperties();
    const f = p as typeof p & {
      contentLength?: number;
      contentType?: string;
      contentEncoding?: string;
      contentLanguage?: string;
      contentDisposition?: string;
      cacheControl?: string;
      contentMD5?: Uint8Array;
    };
    const provenance = Object.entries(p.metadata ?? {}).find(
      ([k]) => k.toLowerCase() === PROVENANCE_KEY,
    )?.[1];
    tree.set(path, {
      kind,
      size: f.contentLength ?? 0,
      metadata: withoutProvenance(p.metadata),
      ...(provenance ? { provenance } : {}),
      attributes: String(p.fileAttributes ?? ""),
      creationTime: p.fileCreatedOn?.toISOString(),
      lastWriteTime: p.fileLastWriteOn?.toISOString(),
      headers: {
        contentType: f.contentType,
        contentEncoding: f.contentEncoding,
        contentLanguage: f.contentLanguage,
        contentDisposition: f.contentDisposition,
        cacheControl: f.cacheControl,
        contentMD5: b64(f.contentMD5),
      },
    });
  });
  return tree;
}

export async function fileMd5(service: ShareServiceClient, share: string, path: string): Promise<string> {
  const response = await service.getShareClient(share).rootDirectoryClient.getFileClient(path).download();
  return streamMd5(response.readableStreamBody);
}
