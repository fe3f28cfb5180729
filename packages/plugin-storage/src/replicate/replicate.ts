import type { BlobServiceClient } from "@azure/storage-blob";
import type { ShareServiceClient } from "@azure/storage-file-share";
import type {
  ApplyResult,
  AzureResource,
  Partition,
  PlanDecision,
  PlannedAction,
  ReplicateContext,
  ReplicationResult,
  ReplicationSteps,
  StepContext,
} from "@dataplane/core";
import { blobServiceClient, shareServiceClient } from "../access/clients.js";
import { accountCredential } from "../access/credentials.js";
import { type AccountEndpoints, accountEndpoints, requireEndpoint } from "../access/endpoints.js";
import { SourceSas } from "../access/source-sas.js";
import { checkSasScope, copySourceRefusal } from "../auth-errors.js";
import {
  listBlobs,
  listContainerEntries,
  listContainerEntriesRange,
  listContainers,
} from "../discover/blobs.js";
import { type Entry, listDirectory, listShares } from "../discover/files.js";
import {
  type BlobItem,
  type ContainerItem,
  type DirectoryItem,
  type FileItem,
  keys,
  pathDepth,
  type ShareItem,
  type StorageItem,
} from "../items.js";
import { readSettings, type StorageSettings } from "../options.js";
import { BlobCopier } from "./blob-copy.js";
import { planBlob, planContainer } from "./blob-plan.js";
import { ASYNC_FILE_COPY_MAX_BYTES, FileCopier } from "./file-copy.js";
import { isNfs, planDirectory, planFile, planShare } from "./file-plan.js";
import { readTarget } from "./read-target.js";
import { removeTarget } from "./remove.js";
import { SmbPermissions } from "./smb-permissions.js";
import {
  type BlobTarget,
  blobTarget,
  type ContainerTarget,
  containerTarget,
  type DirectoryTarget,
  directoryTarget,
  type FileTarget,
  fileTarget,
  type ShareTarget,
  type StorageTarget,
  shareTarget,
} from "./targets.js";
import { describeVerify, verifyAccounts } from "./verify.js";

export const PLUGIN_NAME = "storage";

/** Directories of a share whose listings are read ahead of the one being worked on. */
const LISTING_AHEAD = 4;

/** Items in flight when the user gives no `--max-in-flight` (AzCopy's default for small machines). */
const DEFAULT_CONCURRENCY = 32;

/**
 * Partitions: stage 0 holds the containers and the shares; stage 1 one partition per container
 * (its blobs, listed by the service in name order: the engine merge-joins them and holds
 * nothing per blob); and one partition per directory of a share, walked level by level (a
 * directory at depth d is stage d + 1, so it exists before its entries are copied). Azure Files
 * documents no listing order, so the engine indexes the target's entries of one directory at a
 * time. Only the paths of the directories still to walk are held, never their entries.
 */
type Scope =
  | { readonly kind: "containers" }
  | { readonly kind: "shares" }
  | { readonly kind: "blobs"; readonly name: string }
  | { readonly kind: "files"; readonly name: string; readonly dir: string };

function scopeOf(partition: Partition | undefined): Scope {
  const id = partition?.id ?? "";
  if (id === "containers" || id === "shares") return { kind: id };
  const slash = id.indexOf("/");
  const kind = id.slice(0, slash);
  const name = id.slice(slash + 1);
  if (kind === "blobs") return { kind, name };
  if (kind === "files") {
    const inner = name.indexOf("/");
    return inner < 0
      ? { kind, name, dir: "" }
      : { kind, name: name.slice(0, inner), dir: name.slice(inner + 1) };
  }
  throw new Error(`unknown partition ${JSON.stringify(id)}`);
}

/** A share's directory partition: `files/<share>` for its root, `files/<share>/<path>` below. */
function directoryPartition(share: string, dir: string): Partition {
  return {
    id: dir === "" ? `files/${share}` : `files/${share}/${dir}`,
    stage: dir === "" ? 1 : 1 + pathDepth(dir),
    label: dir === "" ? `share ${share}` : `share ${share} directory ${dir}`,
  };
}

/** Whether the account has a hierarchical namespace (ADLS Gen2): its List Blobs order is by path. */
function hierarchical(resource: AzureResource): boolean {
  const value = (resource.properties as Record<string, unknown> | undefined)?.isHnsEnabled;
  return value === true || value === "true";
}

/** Shard affinity: a share's directories and files go to the shard that owns the share. */
function shardKeyOf(key: string): string {
  if (key.startsWith("directory/") || key.startsWith("file/")) {
    const rest = key.slice(key.indexOf("/") + 1);
    const slash = rest.indexOf("/");
    return `share/${slash < 0 ? rest : rest.slice(0, slash)}`;
  }
  return key;
}

interface Side {
  readonly blob?: BlobServiceClient;
  readonly file?: ShareServiceClient;
}

function services(
  resource: AzureResource,
  endpoints: AccountEndpoints,
  context: ReplicateContext,
  which: "source" | "target",
  settings: StorageSettings,
): Side & { credential: ReturnType<typeof accountCredential> } {
  const access = which === "source" ? context.source : context.target;
  const credential = accountCredential(access, endpoints.accountName, context.redactor);
  const wantBlobs = settings.blobs && (endpoints.blob !== undefined || !settings.files);
  const wantFiles = settings.files && (endpoints.file !== undefined || !settings.blobs);
  return {
    credential,
    ...(wantBlobs
      ? {
          blob: blobServiceClient(
            requireEndpoint(endpoints, "blob", resource),
            credential,
            context.http,
            which,
          ),
        }
      : {}),
    ...(wantFiles
      ? {
          file: shareServiceClient(
            requireEndpoint(endpoints, "file", resource),
            credential,
            context.http,
            which,
          ),
        }
      : {}),
  };
}

/** Source account → target account through the engine: plan by comparing listings, copy server-side. */
export async function replicateAccount(
  sourceResource: AzureResource,
  targetResource: AzureResource,
  context: ReplicateContext,
): Promise<ReplicationResult> {
  const settings = readSettings(context.options);
  const sourceEndpoints = accountEndpoints(sourceResource);
  const targetEndpoints = accountEndpoints(targetResource);
  const source = services(sourceResource, sourceEndpoints, context, "source", settings);
  const target = services(targetResource, targetEndpoints, context, "target", settings);
  const templateOnly = context.mode === "template";
  // A configured SAS that cannot do the job fails here, before anything is written.
  for (const [access, endpoints, side] of [
    [context.source, sourceEndpoints, source],
    [context.target, targetEndpoints, target],
  ] as const) {
    checkSasScope(access, endpoints.accountName, {
      mode: context.mode,
      dryRun: context.dryRun,
      blobs: side.blob !== undefined,
      files: side.file !== undefined,
    });
  }
  const sas = new SourceSas(source.credential, sourceEndpoints.accountName, context.redactor, source);
  const blobs =
    source.blob && target.blob
      ? new BlobCopier(
          source.blob,
          sourceEndpoints.blob!,
          target.blob,
          sas,
          { syncCopy: true, blockCopy: true, asyncCopy: true },
          {
            tags: settings.tags,
            blockSizeBytes: settings.blockSizeBytes,
            singleCopyMaxBytes: settings.singleCopyMaxBytes,
          },
        )
      : undefined;
  const permissions = source.file && target.file ? new SmbPermissions(source.file, target.file) : undefined;
  const files =
    source.file && target.file && permissions
      ? new FileCopier(
          source.file,
          sourceEndpoints.file!,
          target.file,
          sas,
          permissions,
          { startCopy: true, rangeCopy: true },
          Math.min(ASYNC_FILE_COPY_MAX_BYTES, settings.singleCopyMaxBytes),
        )
      : undefined;
  const id = sourceResource.id;
  // Containers and shares seen in the source, for `--verify`.
  const seenContainers: string[] = [];
  const seenShares: string[] = [];
  const blobsSorted = !hierarchical(sourceResource) && !hierarchical(targetResource);
  /** Directory listings read ahead, by side and path (at most LISTING_AHEAD directories each). */
  const ahead = new Map<string, Promise<Entry[]>>();
  const walk = { prefix: settings.prefix, details: false, directoriesOnly: templateOnly };
  const readDirectory = (side: "source" | "target", share: string, dir: string) => {
    const service = side === "source" ? source.file : target.file;
    return service
      ? listDirectory(service.getShareClient(share), share, dir, walk, side === "source" ? id : "")
      : undefined;
  };
  const prefetch = (share: string, dir: string) => {
    for (const side of ["source", "target"] as const) {
      const key = `${side}:${share}/${dir}`;
      if (ahead.has(key)) continue;
      const listing = readDirectory(side, share, dir);
      if (!listing) continue;
      const collected = (async () => {
        const entries: Entry[] = [];
        for await (const entry of listing) entries.push(entry);
        return entries;
      })();
      collected.catch(() => {}); // awaited (and reported) when its partition is worked on
      ahead.set(key, collected);
    }
  };
  async function* directoryListing(
    share: string,
    dir: string,
    side: "source" | "target",
  ): AsyncIterable<Entry> {
    const key = `${side}:${share}/${dir}`;
    const read = ahead.get(key);
    ahead.delete(key);
    if (read) yield* await read;
    else yield* readDirectory(side, share, dir) ?? [];
  }
  /** Per share being walked: the directories still to list, filled as their parents are listed. */
  const pendingDirectories = new Map<string, string[]>();

  /** One planned action, by kind. */
  async function applyOne(
    action: PlannedAction<StorageItem, StorageTarget>,
    ctx: StepContext,
  ): Promise<ApplyResult | undefined> {
    const item = action.source;
    switch (item.kind) {
      case "container":
        return blobs!.container(action as PlannedAction<ContainerItem, ContainerTarget>);
      case "blob":
        return blobs!.blob(action as PlannedAction<BlobItem, BlobTarget>, ctx);
      case "share":
        return files!.share(action as PlannedAction<ShareItem, ShareTarget>);
      case "directory":
        return files!.directory(action as PlannedAction<DirectoryItem, DirectoryTarget>);
      case "file":
        return files!.file(action as PlannedAction<FileItem, FileTarget>, ctx);
    }
  }

  const steps: ReplicationSteps<StorageItem, StorageTarget> = {
    defaultConcurrency: DEFAULT_CONCURRENCY,

    async *partitions(ctx) {
      if (source.blob) yield { id: "containers", stage: 0, label: "containers" };
      if (source.file) yield { id: "shares", stage: 0, label: "shares" };
      if (source.blob && !templateOnly) {
        for await (const c of listContainers(source.blob, settings.containerFilter, id)) {
          yield { id: `blobs/${c.name}`, stage: 1, label: `container ${c.name}` };
        }
      }
      if (source.file) {
        for await (const s of listShares(source.file, settings.shareFilter, id)) {
          if (isNfs(s) || !ctx.owns(keys.share(s.name))) continue;
          // Breadth first: listing a directory's partition queues its subdirectories.
          const queue = [""];
          pendingDirectories.set(s.name, queue);
          for (let head = 0; head < queue.length; head++) {
            // The next directories' listings are read while this one is worked on (14.5):
            // listing a share of many directories is not one round trip after another.
            for (let ahead = head; ahead < Math.min(queue.length, head + LISTING_AHEAD); ahead++)
              prefetch(s.name, queue[ahead]!);
            yield directoryPartition(s.name, queue[head]!);
            if (head > 1024 && head * 2 > queue.length) {
              queue.splice(0, head + 1);
              head = -1;
            }
          }
          pendingDirectories.delete(s.name);
        }
      }
    },

    // Blob names are listed in UTF-16 code unit order on accounts without a hierarchical
    // namespace (observed on the service, and Azurite's order); with one, in path order. The
    // merge-join needs both sides in the same, known order; otherwise one container's target
    // listing is indexed.
    sorted(partition) {
      return scopeOf(partition).kind === "blobs" && blobsSorted ? "utf16" : false;
    },

    // Range shards list only their part of each container; shares follow their shard key.
    ranged(partition, ctx) {
      return ctx.shard.by === "range" && scopeOf(partition).kind === "blobs" && blobsSorted;
    },

    shardKey: shardKeyOf,

    async *listSource(partition, ctx) {
      const scope = scopeOf(partition);
      const range = ctx.shard.by === "range" && ctx.shard.count > 1 && blobsSorted ? ctx.shard : undefined;
      switch (scope.kind) {
        case "containers":
          for await (const c of listContainers(source.blob!, settings.containerFilter, id)) {
            seenContainers.push(c.name);
            yield c;
          }
          return;
        case "shares":
          for await (const s of listShares(source.file!, settings.shareFilter, id)) {
            if (!isNfs(s)) seenShares.push(s.name);
            yield s;
          }
          return;
        case "blobs":
          yield* listBlobs(
            source.blob!,
            scope.name,
            { prefix: settings.prefix, tags: settings.tags, ...(range ? { range } : {}) },
            id,
          );
          return;
        case "files": {
          const queue = pendingDirectories.get(scope.name);
          for await (const entry of directoryListing(scope.name, scope.dir, "source")) {
            if (entry.kind === "directory") queue?.push(entry.item.properties.path);
            yield entry.item;
          }
          return;
        }
      }
    },

    async *listTarget(partition, ctx) {
      const scope = scopeOf(partition);
      const range = ctx.shard.by === "range" && ctx.shard.count > 1 && blobsSorted ? ctx.shard : undefined;
      switch (scope.kind) {
        case "containers":
          if (!target.blob) return;
          for await (const c of listContainers(target.blob, settings.containerFilter, ""))
            yield containerTarget(c);
          return;
        case "shares":
          if (!target.file) return;
          for await (const s of listShares(target.file, settings.shareFilter, "")) yield shareTarget(s);
          return;
        case "blobs": {
          if (!target.blob) return;
          const options = { prefix: settings.prefix, tags: settings.tags };
          for await (const b of range
            ? listContainerEntriesRange(target.blob, scope.name, range, options)
            : listContainerEntries(target.blob, scope.name, options)) {
            if (!b.deleted) yield blobTarget(scope.name, b, settings.tags);
          }
          return;
        }
        case "files":
          if (!target.file) return;
          for await (const entry of directoryListing(scope.name, scope.dir, "target")) {
            yield entry.kind === "directory" ? directoryTarget(entry.item) : fileTarget(entry.item);
          }
          return;
      }
    },

    readTarget: (item) => readTarget(item, target, settings.tags),

    remove: (existing) => removeTarget(existing, target),

    plan(item, existing): PlanDecision | Promise<PlanDecision> {
      const unsupportedTarget: PlanDecision = {
        action: "skip-unsupported",
        reason: `the target account has no ${item.kind === "container" || item.kind === "blob" ? "blob" : "file"} endpoint`,
      };
      switch (item.kind) {
        case "container":
          return blobs ? planContainer(item, existing as ContainerTarget | undefined) : unsupportedTarget;
        case "blob":
          return blobs
            ? planBlob(item, existing as BlobTarget | undefined, settings.tags)
            : unsupportedTarget;
        case "share":
          return files ? planShare(item, existing as ShareTarget | undefined) : unsupportedTarget;
        case "directory":
          return permissions
            ? planDirectory(item, existing as DirectoryTarget | undefined, permissions)
            : unsupportedTarget;
        case "file":
          return target.file
            ? planFile(item, existing as FileTarget | undefined, target.file)
            : unsupportedTarget;
      }
    },

    async apply(
      action: PlannedAction<StorageItem, StorageTarget>,
      ctx: StepContext,
    ): Promise<ApplyResult | undefined> {
      try {
        return await applyOne(action, ctx);
      } catch (error) {
        throw copySourceRefusal(error, sourceEndpoints.accountName) ?? error;
      }
    },

    fingerprint(item) {
      return item.properties.etag ?? item.properties.lastModified ?? "";
    },

    size(item) {
      return item.kind === "blob" || item.kind === "file" ? item.properties.size : undefined;
    },

    async finish(ctx) {
      if (!settings.verify) return undefined;
      const report = await verifyAccounts(
        { source, target },
        { mode: context.mode, prefix: settings.prefix, containers: seenContainers, shares: seenShares },
      );
      const summary = describeVerify(report);
      if (report.differenceCount === 0) {
        ctx.logger.info(summary);
        return undefined;
      }
      const more = report.differenceCount - report.differences.length;
      return {
        warnings: [
          ...report.differences.map((d) => `verify: ${d}`),
          ...(more > 0 ? [`verify: … and ${more} more differences`] : []),
        ],
        // not one item's failure, but the run did not reach its goal
        failures: [{ key: "(verify)", kind: "verify", code: "DP_VERIFY_FAILED", message: summary }],
      };
    },
  };

  return context.engine.run(steps, {
    plugin: PLUGIN_NAME,
    sourceResourceId: sourceResource.id,
    targetResourceId: targetResource.id,
  });
}
