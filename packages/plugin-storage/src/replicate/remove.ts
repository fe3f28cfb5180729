import type { BlobServiceClient } from "@azure/storage-blob";
import type { ShareClient, ShareServiceClient } from "@azure/storage-file-share";
import type { RemoveResult } from "@dataplane/core";
import { listDirectory } from "../discover/files.js";
import { isNotFound } from "../util/errors.js";
import type { StorageTarget } from "./targets.js";

/** `blob/<container>/<name>` → container and name (the same for shares and paths). */
function split(key: string): { readonly root: string; readonly path: string } {
  const rest = key.slice(key.indexOf("/") + 1);
  const slash = rest.indexOf("/");
  return { root: rest.slice(0, slash), path: rest.slice(slash + 1) };
}

const gone = (error: unknown) =>
  isNotFound(
    error,
    "BlobNotFound",
    "ResourceNotFound",
    "ParentNotFound",
    "ShareNotFound",
    "ContainerNotFound",
  );

/** A directory and everything below it, files first, deepest first (a directory must be empty to go). */
async function removeTree(share: ShareClient, shareName: string, path: string): Promise<number> {
  let removed = 0;
  for await (const entry of listDirectory(share, shareName, path, { prefix: "", details: false }, "")) {
    if (entry.kind === "directory") removed += await removeTree(share, shareName, entry.item.properties.path);
    else {
      await share.rootDirectoryClient
        .getFileClient(entry.item.properties.path)
        .delete()
        .catch((e: unknown) => {
          if (!gone(e)) throw e;
        });
      removed++;
    }
  }
  await share
    .getDirectoryClient(path)
    .delete()
    .catch((e: unknown) => {
      if (!gone(e)) throw e;
    });
  return removed;
}

/**
 * Mirror mode: deletes one target item the source does not have. Blobs are deleted with their
 * snapshots (a soft-delete policy on the account keeps them recoverable); a directory goes with
 * everything in it. Whole containers and shares are never deleted.
 */
export async function removeTarget(
  target: StorageTarget,
  services: { readonly blob?: BlobServiceClient; readonly file?: ShareServiceClient },
): Promise<RemoveResult> {
  const { root, path } = split(target.key);
  try {
    switch (target.kind) {
      case "container":
      case "share":
        return {
          status: "skipped-unsupported",
          reason: `mirror mode deletes what is inside ${target.kind}s, never a whole ${target.kind}`,
        };
      case "blob":
        await services
          .blob!.getContainerClient(root)
          .getBlobClient(path)
          .delete({ deleteSnapshots: "include" });
        return {};
      case "file":
        await services.file!.getShareClient(root).rootDirectoryClient.getFileClient(path).delete();
        return {};
      case "directory": {
        const files = await removeTree(services.file!.getShareClient(root), root, path);
        return files > 0 ? { reason: `not in the source (with the ${files} files below it)` } : {};
      }
    }
  } catch (error) {
    if (gone(error)) return { reason: "not in the source (already gone from the target)" };
    throw error;
  }
}
