// Benchmark: replicate 1,000 secrets on the Key Vault emulator (in a process of its own).
//   1. ours against a hand-written raw-SDK loop doing the same gets and sets at the same
//      concurrency, in the same run (target: ratio <= 1.2);
//   2. ours with the emulator throttling at the service limits, against the floor those limits
//      set: 1,000 creates at 300 per 10 s (target: ratio <= 1.15).
// Run: pnpm --filter @dataplane/plugin-keyvault bench (Node 24 strips the types). Results are
// printed, never asserted; each is one `BENCH {json}` line for the root `pnpm bench`.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { SecretClient } from "@azure/keyvault-secrets";
import { type AzureResource, createSession, type SideAccess } from "@dataplane/core";
import { keyVaultPlugin } from "@dataplane/plugin-keyvault";

const SECRETS = Number(process.env.BENCH_SECRETS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = 32;
const SUBSCRIPTION = "00000000-0000-0000-0000-00000000be0c";
const PACKAGE = "@dataplane/plugin-keyvault";

const credential = {
  getToken: async () => ({ token: "emulator", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100);

/** The emulator, in a child process. */
class Emulator {
  readonly child: ChildProcess;
  readonly uris: Record<string, string>;
  readonly ca: string | undefined;

  constructor(child: ChildProcess, uris: Record<string, string>, ca: string | undefined) {
    this.child = child;
    this.uris = uris;
    this.ca = ca;
  }

  static async start(names: string[]): Promise<Emulator> {
    const vaults = names.map((name) => ({ name, subscriptionId: SUBSCRIPTION, location: "eastus" }));
    const child = fork(new URL("./emulator-process.ts", import.meta.url), [JSON.stringify(vaults)], {
      execArgv: ["--experimental-strip-types", "--no-warnings"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const [ready] = (await once(child, "message")) as [{ uris: Record<string, string>; ca?: string }];
    return new Emulator(child, ready.uris, ready.ca);
  }

  async call<T>(command: object): Promise<T> {
    this.child.send(command);
    const [reply] = (await once(this.child, "message")) as [T];
    return reply;
  }

  async stop(): Promise<void> {
    this.child.send({ type: "stop" });
    await once(this.child, "exit");
  }
}

function resource(emulator: Emulator, name: string): AzureResource {
  return {
    id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/bench/providers/Microsoft.KeyVault/vaults/${name}`,
    type: "Microsoft.KeyVault/vaults",
    name,
    location: "eastus",
    properties: { vaultUri: emulator.uris[name] },
  };
}

function access(emulator: Emulator, side: "source" | "target"): SideAccess {
  return {
    side,
    tokenCredential: credential,
    local: true,
    ...(emulator.ca ? { caCertificates: [emulator.ca] } : {}),
  };
}

async function ours(emulator: Emulator, target: string): Promise<number> {
  const session = createSession();
  const started = performance.now();
  const result = await keyVaultPlugin.replicate(
    resource(emulator, "bench-source"),
    resource(emulator, target),
    session.replicateContext(access(emulator, "source"), access(emulator, "target"), {
      maxInFlight: CONCURRENCY,
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.counts.failed > 0 || result.counts.created !== SECRETS) {
    throw new Error(
      `replicate into ${target}: ${JSON.stringify(result.counts)} ${JSON.stringify(result.errors.slice(0, 3))}`,
    );
  }
  return seconds;
}

/** What a careful script would do by hand: list both vaults, then get and set each secret, 32 at a time. */
async function rawSdk(emulator: Emulator, target: string): Promise<number> {
  const options = {
    disableChallengeResourceVerification: true,
    ...(emulator.ca ? { tlsOptions: { ca: emulator.ca } } : {}),
  };
  const source = new SecretClient(emulator.uris["bench-source"]!, credential, options);
  const sink = new SecretClient(emulator.uris[target]!, credential, options);
  const started = performance.now();
  const existing = new Set<string>();
  for await (const p of sink.listPropertiesOfSecrets()) existing.add(p.name);
  const names: string[] = [];
  for await (const p of source.listPropertiesOfSecrets())
    if (!p.managed && !existing.has(p.name)) names.push(p.name);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      const secret = await source.getSecret(name);
      await sink.setSecret(name, secret.value ?? "", {
        enabled: secret.properties.enabled,
        contentType: secret.properties.contentType,
        tags: secret.properties.tags,
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (performance.now() - started) / 1000;
}

function report(name: string, oursS: number, baselineS: number, target: string, note: string): void {
  const line = {
    package: PACKAGE,
    name,
    ours_s: Number(oursS.toFixed(3)),
    baseline_s: Number(baselineS.toFixed(3)),
    ratio: Number((oursS / baselineS).toFixed(3)),
    target,
    peak_rss_mb: Math.round(peakRss / 1024 / 1024),
  };
  console.log(
    `${name}: ours ${line.ours_s} s, ${note} ${line.baseline_s} s, ratio ${line.ratio} (target ${target})`,
  );
  console.log(`BENCH ${JSON.stringify(line)}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const list = (xs: number[]) => xs.map((t) => t.toFixed(2)).join(", ");

const targets = Array.from({ length: ROUNDS + 1 }, (_, i) => [`ours-${i}`, `raw-${i}`]).flat();
const emulator = await Emulator.start(["bench-source", ...targets, "ours-throttled"]);
try {
  await emulator.call({ type: "seed", vault: "bench-source", count: SECRETS });
  console.log(
    `${SECRETS} secrets seeded; ${CONCURRENCY} in flight; ${ROUNDS} rounds after a warm-up; Node ${process.version}`,
  );

  // 1. Unthrottled: a warm-up of each, then alternate; compare the medians.
  await rawSdk(emulator, "raw-0");
  await ours(emulator, "ours-0");
  const oursTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    if (round % 2 === 1) {
      rawTimes.push(await rawSdk(emulator, `raw-${round}`));
      oursTimes.push(await ours(emulator, `ours-${round}`));
    } else {
      oursTimes.push(await ours(emulator, `ours-${round}`));
      rawTimes.push(await rawSdk(emulator, `raw-${round}`));
    }
  }
  console.log(`  ours: ${list(oursTimes)} s; raw SDK: ${list(rawTimes)} s`);
  report(
    "replicate-1000-secrets-vs-raw-sdk",
    median(oursTimes),
    median(rawTimes),
    "<= 1.2",
    "hand-written raw-SDK loop",
  );

  // 2. Throttled at the service's limits, 429 without Retry-After (as the service sometimes answers).
  await emulator.call({ type: "throttling", on: true });
  const floor = (SECRETS / 300) * 10;
  const throttled = await ours(emulator, "ours-throttled");
  const { stats } = await emulator.call<{ stats: { throttled: number } }>({
    type: "stats",
    vault: "ours-throttled",
  });
  console.log(`  throttled run: ${stats.throttled} requests answered 429`);
  report(
    "replicate-1000-secrets-at-service-limits",
    throttled,
    floor,
    "<= 1.15",
    "floor of 300 creates / 10 s:",
  );
} finally {
  clearInterval(sampler);
  await emulator.stop();
}
