import {
  createItemFilter,
  type DataPlanePlugin,
  DataplaneError,
  ErrorCodes,
  type ItemFilter,
} from "@dataplane/core";

/** `--include` / `--exclude`; a pattern that names no kind of these plugins is a mistake, refused. */
export function itemFilter(
  flags: { readonly include?: string[]; readonly exclude?: string[] },
  plugins: readonly DataPlanePlugin[],
): ItemFilter | undefined {
  const filter = createItemFilter({ include: flags.include ?? [], exclude: flags.exclude ?? [] });
  const kinds = [...new Set(plugins.flatMap((p) => p.itemKinds))];
  const stray = filter?.strayPatterns(kinds) ?? [];
  if (filter && stray.length > 0 && kinds.length > 0) {
    throw new DataplaneError(
      ErrorCodes.InvalidInput,
      `${stray.map((p) => JSON.stringify(p)).join(", ")} ${stray.length === 1 ? "names" : "name"} no item kind of this run`,
      { hint: `Patterns are <kind>/<name>, with a kind among: ${kinds.join(", ")}` },
    );
  }
  return filter;
}
