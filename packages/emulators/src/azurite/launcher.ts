// startAzurite: Microsoft's Azurite (npm `azurite`) as child processes, one per service, on
// loopback ports, with several accounts, in memory or on disk, and a watchdog in each child.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  azuriteAccountsVariable,
  resolveAccounts,
  type StorageAccount,
  type StorageAccountInput,
} from "./accounts.js";
import { freePort } from "./ports.js";
import { watchdogImport } from "./watchdog.js";

export type AzuriteService = "blob" | "queue" | "table";

export interface AzuriteOptions {
  /** Accounts to create (default: `srcaccount` and `dstaccount` with random keys). */
  accounts?: StorageAccountInput[];
  /** Services to start (default: `["blob"]`). */
  services?: AzuriteService[];
  /** Persist to this directory; in memory (`--inMemoryPersistence`) when omitted. */
  location?: string;
  /** Azurite's `--loose` (ignore headers and parameters it does not know); default true. */
  loose?: boolean;
  /** Fixed ports; by default each service gets a free one. */
  ports?: Partial<Record<AzuriteService, number>>;
  /** How long to wait for a service to listen (default 30 s). */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
  /** Every line a child prints (Azurite runs with `--silent`, so little more than start-up). */
  onOutput?: (service: AzuriteService, line: string) => void;
}

export interface AzuriteInstance {
  host: string;
  accounts: StorageAccount[];
  ports: Partial<Record<AzuriteService, number>>;
  /** Process id of the first service's child (the blob service unless only others were asked for). */
  pid: number;
  pids: Partial<Record<AzuriteService, number>>;
  /** `http://127.0.0.1:PORT/<account>` */
  blobEndpoint(account: string): string;
  queueEndpoint?: (account: string) => string;
  tableEndpoint?: (account: string) => string;
  /** A connection string with every started service's endpoint. */
  connectionString(account: string): string;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves when every child has exited. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const MAX_ATTEMPTS = 5;
const DEFAULT_ACCOUNTS: StorageAccountInput[] = [{ name: "srcaccount" }, { name: "dstaccount" }];

function azuriteMain(service: AzuriteService): string {
  const packageJson = createRequire(import.meta.url).resolve("azurite/package.json");
  return join(dirname(packageJson), "dist", "src", service, "main.js");
}

interface RunningService {
  service: AzuriteService;
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

class StartError extends Error {
  readonly addressInUse: boolean;
  constructor(message: string, addressInUse: boolean) {
    super(message);
    this.addressInUse = addressInUse;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function spawnOnce(
  service: AzuriteService,
  port: number,
  options: AzuriteOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<RunningService> {
  const args = [
    "--import",
    watchdogImport(),
    azuriteMain(service),
    `--${service}Host`,
    HOST,
    `--${service}Port`,
    String(port),
    "--skipApiVersionCheck",
    "--disableTelemetry",
    "--disableProductStyleUrl",
    "--silent",
    ...(options.loose === false ? [] : ["--loose"]),
    ...(options.location ? ["--location", options.location] : ["--inMemoryPersistence"]),
  ];
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const output: string[] = [];
  return await new Promise<RunningService>((resolve, reject) => {
    let settled = false;
    const finish = (error: StartError | undefined, listeningPort?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        if (!hasExited(child)) child.kill("SIGKILL");
        reject(error);
      } else resolve({ service, child, port: listeningPort ?? port, exited });
    };
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 50) output.shift();
      options.onOutput?.(service, line);
      const listens = /successfully listens on https?:\/\/[^\s]+:(\d+)/.exec(line);
      if (listens) finish(undefined, Number(listens[1]));
      else if (/successfully started on/.test(line)) finish(undefined, port);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let pending = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      });
    }
    child.once("error", (error) =>
      finish(new StartError(`could not start Azurite ${service}: ${error.message}`, false)),
    );
    child.once("exit", (code, signal) => {
      const text = output.join("\n");
      finish(
        new StartError(
          `Azurite ${service} exited before listening (code ${code ?? signal}):\n${text}`,
          /EADDRINUSE/.test(text),
        ),
      );
    });
    const timer = setTimeout(
      () =>
        finish(
          new StartError(
            `Azurite ${service} did not listen within ${options.startTimeoutMs ?? 30_000} ms`,
            false,
          ),
        ),
      options.startTimeoutMs ?? 30_000,
    );
  });
}

async function spawnService(
  service: AzuriteService,
  options: AzuriteOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<RunningService> {
  const fixedPort = options.ports?.[service];
  for (let attempt = 1; ; attempt++) {
    // Blob and queue report the port they bound, so port 0 is race-free; table does not.
    const port = fixedPort ?? (service === "table" ? await freePort(HOST) : 0);
    try {
      return await spawnOnce(service, port, options, env, cwd);
    } catch (error) {
      if (
        !(error instanceof StartError) ||
        !error.addressInUse ||
        fixedPort !== undefined ||
        attempt >= MAX_ATTEMPTS
      ) {
        throw error;
      }
    }
  }
}

async function stopChild(running: RunningService, timeoutMs: number): Promise<void> {
  const { child, exited } = running;
  if (hasExited(child)) return;
  child.kill("SIGTERM");
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
  ]);
  if (timedOut && !hasExited(child)) {
    child.kill("SIGKILL");
    await exited;
  }
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const accounts = resolveAccounts(options.accounts ?? DEFAULT_ACCOUNTS);
  const services: AzuriteService[] = [...new Set<AzuriteService>(options.services ?? ["blob"])];
  if (services.length === 0) throw new Error("startAzurite: no service to start");
  const env = { ...process.env, AZURITE_ACCOUNTS: azuriteAccountsVariable(accounts) };
  const scratch = options.location ? undefined : await mkdtemp(join(tmpdir(), "dataplane-azurite-"));
  const cwd = options.location ?? scratch ?? process.cwd();
  const running: RunningService[] = [];
  const killAll = () => {
    for (const r of running) if (!hasExited(r.child)) r.child.kill("SIGKILL");
  };
  process.once("exit", killAll);
  const results = await Promise.allSettled(
    services.map((service) => spawnService(service, options, env, cwd)),
  );
  for (const result of results) if (result.status === "fulfilled") running.push(result.value);
  const failure = results.find((result) => result.status === "rejected");
  if (failure) {
    process.off("exit", killAll);
    await Promise.all(running.map((r) => stopChild(r, 1000)));
    if (scratch) await rm(scratch, { recursive: true, force: true });
    throw failure.reason;
  }
  const ports: Partial<Record<AzuriteService, number>> = {};
  const pids: Partial<Record<AzuriteService, number>> = {};
  for (const r of running) {
    ports[r.service] = r.port;
    pids[r.service] = r.child.pid;
  }
  const accountName = (name: string): string => {
    if (!accounts.some((a) => a.name === name)) throw new Error(`Azurite: unknown account '${name}'`);
    return name;
  };
  const endpoint = (service: AzuriteService) => (account: string) =>
    `http://${HOST}:${ports[service]}/${accountName(account)}`;
  let stopping: Promise<void> | undefined;
  const instance: AzuriteInstance = {
    host: HOST,
    accounts: accounts.map((a) => ({ ...a })),
    ports,
    pid: pids[services[0]!] ?? 0,
    pids,
    blobEndpoint: (account) => {
      if (ports.blob === undefined) throw new Error("Azurite: the blob service was not started");
      return endpoint("blob")(account);
    },
    connectionString: (account) => {
      const key = accounts.find((a) => a.name === accountName(account))?.key ?? "";
      let text = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};`;
      if (ports.blob !== undefined) text += `BlobEndpoint=${endpoint("blob")(account)};`;
      if (ports.queue !== undefined) text += `QueueEndpoint=${endpoint("queue")(account)};`;
      if (ports.table !== undefined) text += `TableEndpoint=${endpoint("table")(account)};`;
      return text;
    },
    stop: () => {
      stopping ??= (async () => {
        await Promise.all(running.map((r) => stopChild(r, options.stopTimeoutMs ?? 5000)));
        process.off("exit", killAll);
        if (scratch) await rm(scratch, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  if (ports.queue !== undefined) instance.queueEndpoint = endpoint("queue");
  if (ports.table !== undefined) instance.tableEndpoint = endpoint("table");
  return instance;
}
