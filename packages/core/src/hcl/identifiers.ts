import { createHash } from "node:crypto";

/**
 * Turns any source name into a valid Terraform identifier (letters, digits, `_`, `-`; starts
 * with a letter or `_`). Not unique by itself: use `IdentifierAllocator`.
 */
export function sanitizeIdentifier(name: string): string {
  let id = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9_-]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[-_]+|[-_]+$/g, "")
    .toLowerCase();
  if (id.length === 0) id = "item";
  if (!/^[a-z_]/.test(id)) id = `_${id}`;
  return id.length > 64 ? id.slice(0, 64).replace(/[-_]+$/, "") : id;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/**
 * Allocates identifiers that stay unique within a namespace (a Terraform resource type, the
 * variables of a module): a name that sanitises to a taken identifier gets a suffix derived
 * from the original name, so the same name always gets the same identifier in one run.
 */
export class IdentifierAllocator {
  readonly #spaces = new Map<string, { byName: Map<string, string>; used: Set<string> }>();

  allocate(name: string, namespace = ""): string {
    let space = this.#spaces.get(namespace);
    if (!space) {
      space = { byName: new Map(), used: new Set() };
      this.#spaces.set(namespace, space);
    }
    const existing = space.byName.get(name);
    if (existing !== undefined) return existing;
    const base = sanitizeIdentifier(name);
    let id = base;
    if (space.used.has(id)) id = `${base}_${shortHash(name)}`;
    for (let n = 2; space.used.has(id); n++) id = `${base}_${shortHash(name)}_${n}`;
    space.byName.set(name, id);
    space.used.add(id);
    return id;
  }
}
