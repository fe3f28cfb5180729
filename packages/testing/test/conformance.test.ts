import { describePluginConformance } from "../src/index.js";
import { fixture, memoryEnvironment } from "./helpers/memory-environment.js";

// The kit as a plugin author uses it: a correct plugin passes every check.
describePluginConformance({
  packageDir: fixture("good"),
  environment: memoryEnvironment(),
  options: { prefix: "record-" },
});

describePluginConformance({
  title: "a package with two plugins, checked one by name",
  packageDir: fixture("two-plugins"),
  plugin: "memory",
  environment: memoryEnvironment(2),
});
