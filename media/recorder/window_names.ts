/**
 * Where a window's MP4 goes, by the Douyin document's scheme:
 * `records/{platform}/{anchor}/{YYYY-mm-dd}/{anchor}_{YYYYmmdd_HHMMSS}_{seq:03d}.mp4`, the date
 * and time being the window's start in `timeZone` (an IANA name, default UTC). Platform and
 * anchor keep letters and digits of any script (Chinese nicknames stay readable); anything
 * else becomes `_`, so a name can never climb out of its folder.
 */

export const RECORDS_PREFIX = "records";

/** Letters and digits of any script, `-` and `_`; at most 48 characters; never empty. */
export function safeName(name: string, fallback = "anchor"): string {
  const cleaned = name.normalize("NFC").replace(/[^\p{L}\p{N}_-]+/gu, "_").replace(/_+/g, "_")
    .replace(/^_|_$/g, "");
  return [...cleaned].slice(0, 48).join("") || fallback;
}

interface Parts {
  y: string;
  mo: string;
  d: string;
  h: string;
  mi: string;
  s: string;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function parts(at: number, timeZone: string): Parts {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

/** The folder of the windows starting on `at`'s day: `records/{platform}/{anchor}/{date}/`. */
export function windowFolder(
  platform: string,
  anchor: string,
  at: number,
  timeZone = "UTC",
): string {
  const p = parts(at, timeZone);
  return `${RECORDS_PREFIX}/${safeName(platform, "url")}/${
    safeName(anchor)
  }/${p.y}-${p.mo}-${p.d}/`;
}

/** The object key of window `seq` starting at `startAt`. */
export function windowKey(
  plan: { platform: string; anchor: string },
  seq: number,
  startAt: number,
  timeZone = "UTC",
): string {
  if (!Number.isInteger(seq) || seq < 0) throw new Error(`invalid window seq ${seq}`);
  const p = parts(startAt, timeZone);
  const anchor = safeName(plan.anchor);
  return `${
    windowFolder(plan.platform, plan.anchor, startAt, timeZone)
  }${anchor}_${p.y}${p.mo}${p.d}_${p.h}${p.mi}${p.s}_${String(seq).padStart(3, "0")}.mp4`;
}

/**
 * A time zone Intl knows (checked at start-up). `UTC`, the default, is one without asking
 * Intl: a first `Intl.DateTimeFormat` maps ICU's locale and zone data into the process (about
 * 6 MB of RSS), which a process that never names a recording window need not carry (issue 18:
 * an idle edge).
 */
export function isTimeZone(name: string): boolean {
  if (name === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
