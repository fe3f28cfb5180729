// The order in which Shared Key sorts `x-ms-` headers. The service sorts with .NET's culture-aware
// comparison, not ordinally: hyphens and apostrophes are ignored at first, punctuation sorts
// before digits, digits before letters ("x-ms-meta-a_b" comes before "x-ms-meta-a1").

const PUNCTUATION = ' !"#$%&()*,./:;?@[\\]^_`{|}~+<=>';
const IGNORABLE = new Set(["-", "'"]);

function primaryWeight(char: string): number {
  const code = char.charCodeAt(0);
  if (code >= 97 && code <= 122) return 2000 + code - 97;
  if (code >= 65 && code <= 90) return 2000 + code - 65;
  if (code >= 48 && code <= 57) return 1000 + code - 48;
  const index = PUNCTUATION.indexOf(char);
  return index >= 0 ? 100 + index : 3000 + code;
}

function primaryKey(name: string): number[] {
  const weights: number[] = [];
  for (const char of name) if (!IGNORABLE.has(char)) weights.push(primaryWeight(char));
  return weights;
}

export function compareHeaderNames(a: string, b: string): number {
  const ka = primaryKey(a);
  const kb = primaryKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const diff = ka[i]! - kb[i]!;
    if (diff !== 0) return diff;
  }
  if (ka.length !== kb.length) return ka.length - kb.length;
  // Equal but for ignorable characters: the one with fewer of them first, then ordinal.
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
