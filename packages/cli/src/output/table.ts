/** A plain, aligned text table (no colours: output is often piped). */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => {
        const numeric = i > 0 && /^-?\d+$/.test(c);
        return numeric ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * An ARM id as a reader wants it in a header: `<resource group>/<name>` rather than ~230
 * characters of `/subscriptions/…/providers/…`. Anything else is shown as it is.
 */
export function shortResourceId(id: string): string {
  const match = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/.+\/([^/]+)$/i.exec(id);
  return match ? `${match[1]}/${match[2]}` : id;
}
