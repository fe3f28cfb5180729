import { describePluginConformance } from "@dataplane/testing";
import { startTableAccounts } from "./helpers/accounts.js";
import { readAccount, seedEstate } from "./helpers/estate.js";

// The conformance kit, as any plugin author runs it: the built package, loaded the way the CLI
// loads it, against a seeded source account and an empty target account on Azurite.
describePluginConformance({
  packageDir: new URL("..", import.meta.url),
  options: { "include-entities": true },
  environment: async () => {
    const accounts = await startTableAccounts(["srcaccount", "dstaccount"]);
    const estate = await seedEstate(accounts, "srcaccount", { orders: 10, large: 30 });
    return {
      source: accounts.resource("srcaccount"),
      target: accounts.resource("dstaccount"),
      sourceAccess: accounts.access("source", "srcaccount"),
      targetAccess: accounts.access("target", "dstaccount"),
      canaries: estate.canaries,
      snapshotTarget: () => readAccount(accounts, "dstaccount"),
      cleanup: () => accounts.stop(),
    };
  },
});
