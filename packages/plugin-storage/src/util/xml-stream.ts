/**
 * A small streaming reader for the flat XML the storage service answers listings with:
 * elements, attributes and text, no mixed content, no DTD. It hands out start tags, text and
 * end tags as the bytes arrive, so a page of 5,000 blobs is never a document in memory.
 */
export interface XmlHandler {
  open(name: string, attributes: string): void;
  text(value: string): void;
  close(name: string): void;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

export class XmlStreamReader {
  #buffer = "";
  readonly #decoder = new TextDecoder();

  constructor(private readonly handler: XmlHandler) {}

  write(chunk: Uint8Array): void {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    this.#drain();
  }

  end(): void {
    this.#buffer += this.#decoder.decode();
    this.#drain();
    if (this.#buffer.trim().length > 0) throw new Error("truncated XML response");
  }

  #drain(): void {
    const buffer = this.#buffer;
    const h = this.handler;
    let at = 0;
    for (;;) {
      const lt = buffer.indexOf("<", at);
      if (lt < 0) break;
      if (lt > at) h.text(decodeEntities(buffer.slice(at, lt)));
      const gt = buffer.indexOf(">", lt);
      if (gt < 0) {
        at = lt;
        break;
      }
      const inner = buffer.slice(lt + 1, gt);
      at = gt + 1;
      const c = inner.charCodeAt(0);
      if (c === 63 /* ? */ || c === 33 /* ! */) continue; // declaration, comment
      if (c === 47 /* / */) {
        h.close(inner.slice(1).trim());
        continue;
      }
      const selfClosing = inner.endsWith("/");
      const body = selfClosing ? inner.slice(0, -1) : inner;
      const space = body.search(/\s/);
      const name = space < 0 ? body : body.slice(0, space);
      h.open(name, space < 0 ? "" : body.slice(space + 1));
      if (selfClosing) h.close(name);
    }
    // Text before the next tag may still be incomplete: keep it with the tag.
    this.#buffer = buffer.slice(at);
  }
}
