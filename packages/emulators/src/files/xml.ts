// Minimal XML writing: the service's bodies are small, flat and written by hand here.

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes text content (`&`, `<`, `>`). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => escapes[c] ?? c);
}

/** Escapes an attribute value (also `"`). */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => escapes[c] ?? c);
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** `<Name>text</Name>`, or `<Name />` for an empty value, as the service writes it. */
export function element(name: string, text: string | number | undefined): string {
  if (text === undefined || text === "") return `<${name} />`;
  return `<${name}>${escapeXml(String(text))}</${name}>`;
}

/** Like `element` but omitted entirely when there is no value. */
export function optionalElement(name: string, text: string | number | undefined): string {
  return text === undefined ? "" : element(name, text);
}
