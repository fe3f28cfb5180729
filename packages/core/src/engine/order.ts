/**
 * Compares two strings in the order of their UTF-8 bytes (the order Azure Blob Storage lists
 * names in), which is the order of their Unicode code points. JavaScript's `<` compares UTF-16
 * code units instead, and the two differ for characters above U+FFFF (emoji, rare CJK) against
 * characters from U+E000 to U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Both below the surrogate range, or neither a surrogate: code units order as code points.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x < y ? -1 : 1;
    // A surrogate (a code point above U+FFFF) sorts after every BMP character at or above U+E000.
    return xs ? 1 : -1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * The key orders a sorted listing may come in: `utf8` — UTF-8 bytes (code points); `utf16` —
 * UTF-16 code units, JavaScript's own `<` (what Blob Storage is observed to list by, and Azurite).
 */
export type KeyOrder = "utf8" | "utf16";

export function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparatorOf(order: KeyOrder): (a: string, b: string) => number {
  return order === "utf16" ? compareUtf16 : compareUtf8;
}
