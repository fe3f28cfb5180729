import { SaxesParser } from "saxes";

/**
 * Streams the XML the storage service answers listings with: start tags, text and end tags as
 * the bytes arrive, so a page of 5,000 blobs is never a whole document in memory. Parsing is
 * `saxes`' (a maintained, conformant streaming XML parser).
 */
export interface XmlHandler {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  text(value: string): void;
  close(name: string): void;
}

export class XmlStreamReader {
  readonly #parser = new SaxesParser();
  readonly #decoder = new TextDecoder();
  #error: Error | undefined;

  constructor(handler: XmlHandler) {
    this.#parser.on("opentag", (tag) => handler.open(tag.name, tag.attributes as Record<string, string>));
    this.#parser.on("text", (text) => handler.text(text));
    this.#parser.on("closetag", (tag) => handler.close(tag.name));
    this.#parser.on("error", (error) => {
      this.#error ??= error;
    });
  }

  #check(): void {
    if (this.#error) throw new Error(`the listing is not valid XML: ${this.#error.message}`);
  }

  write(chunk: Uint8Array): void {
    this.#parser.write(this.#decoder.decode(chunk, { stream: true }));
    this.#check();
  }

  end(): void {
    this.#parser.write(this.#decoder.decode());
    this.#parser.close();
    this.#check();
  }
}
