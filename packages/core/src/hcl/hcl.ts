/**
 * The Terraform HCL writer: the one place HCL text is produced. Values are escaped, labels
 * quoted, map keys always quoted, expressions (references) written only through `expr`/`ref`.
 */

const EXPR = Symbol.for("dataplane.hcl.expr");

/** A raw HCL expression (a reference, a function call): written as is, never quoted. */
export interface HclExpression {
  readonly [EXPR]: true;
  readonly text: string;
}

export type HclValue =
  | string
  | number
  | boolean
  | null
  | HclExpression
  | readonly HclValue[]
  | { readonly [key: string]: HclValue | undefined };

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A raw expression; use only with text you built, never with source data. */
export function expr(text: string): HclExpression {
  return { [EXPR]: true, text };
}

/** A traversal such as `var.x` or `azurerm_key_vault.main.id`; each part must be an identifier. */
export function ref(...parts: string[]): HclExpression {
  for (const part of parts) {
    if (!IDENT.test(part)) throw new Error(`invalid HCL identifier in reference: ${JSON.stringify(part)}`);
  }
  return expr(parts.join("."));
}

export function isExpression(value: unknown): value is HclExpression {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[EXPR] === true;
}

/** Escapes a string for a quoted HCL template: quotes, backslashes, control characters, `${`, `%{`. */
export function quote(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const next = value[i + 1];
    switch (ch) {
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "$":
      case "%":
        // `${` and `%{` start template sequences; doubling the sigil escapes them.
        out += next === "{" ? ch + ch : ch;
        break;
      default:
        out += isControl(ch) ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}` : ch;
    }
  }
  return `"${out}"`;
}

function renderValue(value: HclValue, indent: string): string {
  if (value === null) return "null";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`HCL cannot hold the number ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (isExpression(value)) return value.text;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    return `[\n${value.map((v) => `${inner}${renderValue(v as HclValue, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, HclValue | undefined>).filter(
    ([, v]) => v !== undefined,
  );
  if (entries.length === 0) return "{}";
  const inner = indent + "  ";
  const lines = aligned(
    entries.map(([k, v]) => ({ lead: quote(k), value: renderValue(v as HclValue, inner) })),
  );
  return `{\n${lines.map((line) => `${inner}${line}`).join("\n")}\n${indent}}`;
}

/** Columns a text occupies as `terraform fmt` counts them: grapheme clusters, not code units. */
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
function columns(text: string): number {
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}

/**
 * `name = value` lines the way `terraform fmt` (hclwrite.Format) writes them: the `=` of a run
 * of consecutive single-line assignments is aligned; a multi-line value, a comment, a blank line
 * or a nested block ends the run, and a multi-line value's own `=` is not aligned at all.
 * `undefined` entries stand for such breaks.
 */
function aligned(entries: readonly ({ lead: string; value: string } | undefined)[]): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  let run: { lead: string; value: string; width: number }[] = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((e) => e.width));
    for (const e of run) out.push(`${e.lead}${" ".repeat(width - e.width)} = ${e.value}`);
    run = [];
  };
  for (const entry of entries) {
    if (entry === undefined) {
      flush();
      out.push(undefined);
    } else if (entry.value.includes("\n")) {
      flush();
      out.push(`${entry.lead} = ${entry.value}`);
    } else {
      // A quoted key is three tokens for the formatter: count the quotes apart from the text.
      const width = entry.lead.startsWith('"') ? 2 + columns(entry.lead.slice(1, -1)) : columns(entry.lead);
      run.push({ ...entry, width });
    }
  }
  flush();
  return out;
}

type Entry =
  | { readonly t: "attr"; readonly name: string; readonly value: HclValue }
  | { readonly t: "block"; readonly block: HclBlock }
  | { readonly t: "comment"; readonly text: string }
  | { readonly t: "blank" };

function isControl(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

function renderComment(text: string, indent: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `${indent}# ${[...line].map((ch) => (isControl(ch) ? " " : ch)).join("")}`.trimEnd())
    .join("\n");
}

/** A block body: attributes, nested blocks and comments, in the order they were added. */
export class HclBody {
  protected readonly entries: Entry[] = [];

  /** Sets an attribute; `undefined` values are left out, so optional fields read naturally. */
  attr(name: string, value: HclValue | undefined): this {
    if (!IDENT.test(name)) throw new Error(`invalid HCL attribute name: ${JSON.stringify(name)}`);
    if (value !== undefined) this.entries.push({ t: "attr", name, value });
    return this;
  }

  block(type: string, labels: readonly string[], build?: (body: HclBlock) => void): HclBlock {
    const block = new HclBlock(type, labels);
    build?.(block);
    this.entries.push({ t: "block", block });
    return block;
  }

  comment(text: string): this {
    this.entries.push({ t: "comment", text });
    return this;
  }

  blank(): this {
    this.entries.push({ t: "blank" });
    return this;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  protected renderEntries(indent: string): string {
    const attrs = aligned(
      this.entries.map((entry) =>
        entry.t === "attr" ? { lead: entry.name, value: renderValue(entry.value, indent) } : undefined,
      ),
    );
    return this.entries
      .map((entry, i) => {
        switch (entry.t) {
          case "attr":
            return `${indent}${attrs[i]}`;
          case "block":
            return entry.block.render(indent);
          case "comment":
            return renderComment(entry.text, indent);
          case "blank":
            return "";
        }
        return "";
      })
      .join("\n");
  }
}

export class HclBlock extends HclBody {
  constructor(
    readonly type: string,
    readonly labels: readonly string[],
  ) {
    super();
    if (!IDENT.test(type)) throw new Error(`invalid HCL block type: ${JSON.stringify(type)}`);
  }

  render(indent = ""): string {
    const head = [this.type, ...this.labels.map(quote)].join(" ");
    if (this.isEmpty) return `${indent}${head} {}`;
    return `${indent}${head} {\n${this.renderEntries(indent + "  ")}\n${indent}}`;
  }
}

/** A whole `.tf` file: top-level blocks separated by blank lines. */
export class HclFile extends HclBody {
  override block(type: string, labels: readonly string[], build?: (body: HclBlock) => void): HclBlock {
    if (!this.isEmpty) this.blank();
    return super.block(type, labels, build);
  }

  /** A file-level comment after a block is set apart from it by a blank line. */
  override comment(text: string): this {
    if (this.entries.at(-1)?.t === "block") this.blank();
    return super.comment(text);
  }

  override toString(): string {
    const text = this.renderEntries("");
    return text.length === 0 ? "" : `${text}\n`;
  }
}
