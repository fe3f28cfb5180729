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
import { listBlobs, listContainerEntries, listContainers } from "../discover/blobs.js";
import { listShares, walkShare } from "../discover/files.js";
import {
  type BlobItem,
  type ContainerItem,
  type DirectoryItem,
  type FileItem,
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

/** Items in flight when the user gives no `--max-in-flight` (AzCopy's default for small machines). */
const DEFAULT_CONCURRENCY = 32;

/**
 * Partitions: stage 0 holds the containers and the shares; stage 1 one partition per
 * container (its blobs) and per share (its directories and files, by depth), so the target
 * listing the engine keeps in memory is one container's or one share's.
 */
type Scope =
  | { readonly kind: "containers" }
  | { readonly kind: "shares" }
  | { readonly kind: "blobs"; readonly name: string }
  | { readonly kind: "files"; readonly name: string };

function scopeOf(partition: Partition | undefined): Scope {
  const id = partition?.id ?? "";
  if (id === "containers" || id === "shares") return { kind: id };
  const slash = id.indexOf("/");
  const kind = id.slice(0, slash);
  const name = id.slice(slash + 1);
  if (kind === "blobs" || kind === "files") return { kind, name };
  throw new Error(`unknown partition ${JSON.stringify(id)}`);
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

    async *partitions() {
      if (source.blob) yield { id: "containers", stage: 0, label: "containers" };
      if (source.file) yield { id: "shares", stage: 0, label: "shares" };
      if (source.blob && !templateOnly) {
        for await (const c of listContainers(source.blob, settings.containerFilter, id)) {
          yield { id: `blobs/${c.name}`, stage: 1, label: `container ${c.name}` };
        }
      }
      if (source.file) {
        for await (const s of listShares(source.file, settings.shareFilter, id)) {
          if (!isNfs(s)) yield { id: `files/${s.name}`, stage: 1, label: `share ${s.name}` };
        }
      }
    },

    async *listSource(partition) {
      const scope = scopeOf(partition);
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
          yield* listBlobs(source.blob!, scope.name, { prefix: settings.prefix, tags: settings.tags }, id);
          return;
        case "files":
          yield* walkShare(
            source.file!,
            scope.name,
            { prefix: settings.prefix, details: false, directoriesOnly: templateOnly },
            id,
          );
          return;
      }
    },

    async *listTarget(partition) {
      const scope = scopeOf(partition);
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
        case "blobs":
          if (!target.blob) return;
          for await (const b of listContainerEntries(target.blob, scope.name, {
            prefix: settings.prefix,
            tags: settings.tags,
          })) {
            if (!b.deleted) yield blobTarget(scope.name, b, settings.tags);
          }
          return;
        case "files":
          if (!target.file) return;
          for await (const item of walkShare(
            target.file,
            scope.name,
            { prefix: settings.prefix, details: false, directoriesOnly: templateOnly },
            "",
          )) {
            yield item.kind === "directory" ? directoryTarget(item) : fileTarget(item);
          }
          return;
      }
    },

    readTarget: (item) => readTarget(item, target, settings.tags),

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

    phase(item) {
      return item.kind === "directory" || item.kind === "file" ? pathDepth(item.properties.path) : 0;
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
