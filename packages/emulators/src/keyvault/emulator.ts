import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { validateFaults } from "./faults.js";
import { geographyOf, normaliseLocation } from "./geography.js";
import type {
  KeyVaultEmulatorOptions,
  KeyVaultFaults,
  KeyVaultThrottling,
  SeededSecret,
  SeedSecretOptions,
  VaultConfig,
  VaultInfo,
  VaultStats,
} from "./options.js";
import { seedSecret } from "./seeding.js";
import { createRequestHandler } from "./server/listener.js";
import { isValidObjectName } from "./state/ids.js";
import { type VaultSettings, VaultState } from "./state/vault.js";
import { copyStats, emptyStats } from "./stats.js";
import { validateThrottling } from "./throttling.js";
import { loadOrCreateTls } from "./tls.js";

export const DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const DEFAULT_TENANT_ID = "00000000-0000-0000-0000-000000000001";
export const DEFAULT_LOCATION = "eastus";
export const DEFAULT_CHALLENGE_RESOURCE = "https://vault.azure.net";

export interface KeyVaultEmulator {
  readonly vaults: readonly VaultInfo[];
  /** Absolute vault URI with a trailing slash. */
  vaultUri(name: string): string;
  /** PEM of the CA that issued the server certificate (HTTPS only). */
  readonly caCertificatePem?: string;
  /** Throttling for every vault, or for one when `vault` is given. */
  setThrottling(throttling: KeyVaultThrottling | false, vault?: string): void;
  /** Injects connection resets before or after processing (all vaults, or one). */
  setFaults(faults: KeyVaultFaults | false, vault?: string): void;
  stats(vault: string): VaultStats;
  /** Zeroes the stats of one vault, or of all. */
  resetStats(vault?: string): void;
  /** Writes a secret version without HTTP (no stats, no throttling). */
  seedSecret(vault: string, name: string, value: string, options?: SeedSecretOptions): SeededSecret;
  /** Closes every listener and connection. */
  stop(): Promise<void>;
}

function settingsOf(config: string | VaultConfig): VaultSettings {
  const vault: VaultConfig = typeof config === "string" ? { name: config } : config;
  if (!vault.name || !/^[0-9a-zA-Z-]{3,24}$/.test(vault.name)) {
    throw new TypeError(`Vault name '${vault.name}' is invalid: use 3-24 letters, digits and hyphens.`);
  }
  const retentionDays = vault.retentionDays ?? 90;
  if (!Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90) {
    throw new TypeError(`Vault '${vault.name}': retentionDays must be an integer from 7 to 90.`);
  }
  const softDelete = vault.softDelete ?? true;
  if (!softDelete && vault.purgeProtection) {
    throw new TypeError(`Vault '${vault.name}': purge protection requires soft delete.`);
  }
  const location = normaliseLocation(vault.location ?? DEFAULT_LOCATION);
  return {
    name: vault.name,
    subscriptionId: vault.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID,
    location,
    geography: geographyOf(location),
    tenantId: vault.tenantId ?? DEFAULT_TENANT_ID,
    softDelete,
    purgeProtection: vault.purgeProtection ?? false,
    retentionDays,
  };
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts one listener per vault on `host` (127.0.0.1 by default), HTTPS by default with a
 * freshly generated (or `tlsDir`-persisted) CA, and returns the running emulator.
 */
export async function startKeyVaultEmulator(options: KeyVaultEmulatorOptions): Promise<KeyVaultEmulator> {
  if (!options.vaults || options.vaults.length === 0) throw new TypeError("At least one vault is required.");
  const host = options.host ?? "127.0.0.1";
  const https = options.https ?? true;
  const throttling = options.throttling === undefined ? false : validateThrottling(options.throttling);
  const challengeResource = options.challengeResource ?? DEFAULT_CHALLENGE_RESOURCE;

  const states = new Map<string, VaultState>();
  for (const config of options.vaults) {
    const settings = settingsOf(config);
    const key = settings.name.toLowerCase();
    if (states.has(key)) throw new TypeError(`Vault '${settings.name}' is configured twice.`);
    states.set(key, new VaultState(settings, throttling));
  }

  const tls = https
    ? await loadOrCreateTls([...new Set(["localhost", "127.0.0.1", "::1", host])], options.tlsDir)
    : undefined;

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  try {
    for (const vault of states.values()) {
      const handler = createRequestHandler(vault, { challengeResource });
      const listener = (req: Parameters<typeof handler>[0], res: Parameters<typeof handler>[1]) => {
        void handler(req, res);
      };
      const server: Server = tls
        ? (createHttpsServer({ key: tls.keyPem, cert: tls.certificatePem }, listener) as unknown as Server)
        : createHttpServer(listener);
      server.keepAliveTimeout = 5_000;
      server.on("connection", (socket: Socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
      });
      servers.push(server);
      vault.port = await listen(server, host);
      vault.baseUrl = `${tls ? "https" : "http"}://${urlHost(host)}:${vault.port}`;
    }
  } catch (error) {
    await closeAll(servers, sockets);
    throw error;
  }

  const vaultNamed = (name: string): VaultState => {
    const vault = states.get(name.toLowerCase());
    if (!vault)
      throw new Error(
        `Unknown vault '${name}'; the emulator serves ${[...states.values()].map((v) => v.settings.name).join(", ")}.`,
      );
    return vault;
  };

  let stopped: Promise<void> | undefined;
  const emulator: KeyVaultEmulator = {
    vaults: [...states.values()].map((v) => v.info),
    vaultUri: (name) => vaultNamed(name).info.vaultUri,
    setThrottling(value, vaultName) {
      const settings = validateThrottling(value);
      const targets = vaultName === undefined ? [...states.values()] : [vaultNamed(vaultName)];
      for (const vault of targets) vault.throttle.configure(settings);
    },
    setFaults(value, vaultName) {
      const faults = validateFaults(value);
      const targets = vaultName === undefined ? [...states.values()] : [vaultNamed(vaultName)];
      for (const vault of targets) vault.faults = faults;
    },
    stats: (name) => copyStats(vaultNamed(name).stats),
    resetStats(name) {
      const targets = name === undefined ? [...states.values()] : [vaultNamed(name)];
      for (const vault of targets) vault.stats = emptyStats(vault.settings.name);
    },
    seedSecret(vaultName, name, value, seedOptions) {
      if (!isValidObjectName(name)) throw new TypeError(`Invalid secret name '${name}'.`);
      return seedSecret(vaultNamed(vaultName), name, value, seedOptions);
    },
    stop() {
      stopped ??= closeAll(servers, sockets);
      return stopped;
    },
  };
  if (tls)
    Object.defineProperty(emulator, "caCertificatePem", { value: tls.caCertificatePem, enumerable: true });
  return emulator;
}

async function closeAll(servers: Server[], sockets: Set<Socket>): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
  for (const socket of sockets) socket.destroy();
  sockets.clear();
}
