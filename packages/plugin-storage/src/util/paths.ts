/** `a b/ç.txt` → `a%20b/%C3%A7.txt`: each path segment percent-encoded, slashes kept (as the SDKs do). */
export function encodePath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}
