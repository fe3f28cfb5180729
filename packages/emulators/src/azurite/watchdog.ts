// A few lines preloaded (`node --import data:…`) into every Azurite child process so it dies with
// its parent, even when the parent is SIGKILLed and never gets to clean up:
// - the parent holds the write end of the child's stdin; when the parent dies the pipe closes
//   and the child sees end-of-file;
// - belt and braces, the child also exits if it is re-parented (its parent pid changes).
// On either signal the child sends itself SIGTERM, so Azurite closes its servers (and flushes an
// on-disk store) as on a normal stop, with a hard exit after three seconds in case it hangs.
// The stdin handle is unref'd so it never keeps a child alive after Azurite closes its server.

const WATCHDOG_SOURCE = `
let leaving = false;
const exit = () => {
  if (leaving) return;
  leaving = true;
  setTimeout(() => process.exit(0), 3000).unref();
  process.kill(process.pid, "SIGTERM");
};
const stdin = process.stdin;
stdin.on("end", exit);
stdin.on("close", exit);
stdin.on("error", exit);
stdin.resume();
if (typeof stdin.unref === "function") stdin.unref();
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) exit(); }, 500).unref();
`;

/** The `--import` argument that installs the watchdog. */
export function watchdogImport(): string {
  return `data:text/javascript,${encodeURIComponent(WATCHDOG_SOURCE)}`;
}
