import { describe, expect, it } from "vitest";
import { historyOrder } from "../src/discover/attributes.js";
import { currentFromListing } from "../src/discover/secrets.js";

const v = (version: string, createdOn: string, tags: Record<string, string> = {}) => ({
  version,
  createdOn,
  updatedOn: createdOn,
  enabled: true,
  tags,
});

describe("the order of a version history (pure logic)", () => {
  it("orders by creation time, equal times by version id, and puts the current one last", () => {
    const listed = [
      v("f0", "2026-01-01T00:00:05.000Z"),
      v("0a", "2026-01-01T00:00:07.000Z"),
      v("c3", "2026-01-01T00:00:05.000Z"),
      v("9b", "2026-01-01T00:00:01.000Z"),
    ];
    expect(historyOrder(listed).map((x) => x.version)).toEqual(["9b", "c3", "f0", "0a"]);
    // The current one (what GET returned) goes last even when another was created later.
    expect(historyOrder(listed, "c3").map((x) => x.version)).toEqual(["9b", "f0", "0a", "c3"]);
    // The listing order does not matter.
    expect(historyOrder([...listed].reverse(), "c3").map((x) => x.version)).toEqual(["9b", "f0", "0a", "c3"]);
  });

  it("knows the current secret version from the listing only when one version matches", () => {
    const at = "2026-01-01T00:00:05.000Z";
    const versions = [v("aa", at, { n: "1" }), v("bb", at, { n: "2" }), v("cc", at, { n: "2" })];
    const { version: _a, ...first } = versions[0]!;
    const { version: _b, ...second } = versions[1]!;
    expect(currentFromListing(first, versions)).toBe("aa");
    expect(currentFromListing(second, versions)).toBeUndefined();
  });
});
