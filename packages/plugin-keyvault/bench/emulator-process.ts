// The Key Vault emulator in a process of its own, so the benchmark measures the client side
// only (as against the real service). Driven over IPC by bench/run.ts.
import { randomBytes } from "node:crypto";
import { startKeyVaultEmulator } from "@dataplane/emulators";

type Command =
  | { type: "seed"; vault: string; count: number }
  | { type: "throttling"; on: boolean }
  | { type: "stats"; vault: string }
  | { type: "stop" };

const vaults = JSON.parse(process.argv[2] ?? "[]") as {
  name: string;
  subscriptionId: string;
  location: string;
}[];
const emulator = await startKeyVaultEmulator({ vaults });
const send = (message: unknown) => process.send?.(message);
send({
  type: "ready",
  uris: Object.fromEntries(vaults.map((v) => [v.name, emulator.vaultUri(v.name)])),
  ca: emulator.caCertificatePem,
});

process.on("message", async (command: Command) => {
  switch (command.type) {
    case "seed":
      for (let i = 0; i < command.count; i++) {
        emulator.seedSecret(
          command.vault,
          `bench-secret-${String(i).padStart(5, "0")}`,
          randomBytes(48).toString("base64"),
          {
            contentType: "text/plain",
            tags: { bench: "true", index: String(i) },
          },
        );
      }
      send({ type: "seeded" });
      break;
    case "throttling":
      emulator.setThrottling(command.on ? { retryAfter: false } : false);
      send({ type: "throttling" });
      break;
    case "stats":
      send({ type: "stats", stats: emulator.stats(command.vault) });
      break;
    case "stop":
      await emulator.stop();
      process.exit(0);
  }
});
