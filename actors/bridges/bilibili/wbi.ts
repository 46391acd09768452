/**
 * Bilibili's WBI request signing (`w_rid`, `wts`), which its web APIs such as getDanmuInfo ask
 * for, as documented by bilibili-API-collect (docs/misc/sign/wbi.md): two daily keys come
 * from `/x/web-interface/nav` (`wbi_img.img_url`, `sub_url`: their file names); they are
 * shuffled by a fixed permutation into a 32-character mixin key; the query, sorted by key
 * with `!'()*` dropped from values and percent-encoded (upper-case hex, `%20`), is hashed
 * with MD5 together with the mixin key.
 */
import { createHash } from "node:crypto";

/** The fixed permutation of the 64 key characters (a protocol constant). */
const PERMUTATION = [
  46,
  47,
  18,
  2,
  53,
  8,
  23,
  32,
  15,
  50,
  10,
  31,
  58,
  3,
  45,
  35,
  27,
  43,
  5,
  49,
  33,
  9,
  42,
  19,
  29,
  28,
  14,
  39,
  12,
  38,
  41,
  13,
  37,
  48,
  7,
  16,
  24,
  55,
  40,
  61,
  26,
  17,
  0,
  1,
  60,
  51,
  30,
  4,
  22,
  25,
  54,
  21,
  56,
  59,
  6,
  63,
  57,
  62,
  11,
  36,
  20,
  34,
  44,
  52,
];

export function mixinKey(imgKey: string, subKey: string): string {
  const raw = imgKey + subKey;
  return PERMUTATION.map((i) => raw[i] ?? "").join("").slice(0, 32);
}

/** The key of a WBI URL: its file name without extension. */
export function keyOfUrl(url: string): string {
  const name = url.slice(url.lastIndexOf("/") + 1);
  const dot = name.indexOf(".");
  return dot < 0 ? name : name.slice(0, dot);
}

/** `params` plus `wts` and `w_rid`, signed with `mixin` at `wts` (seconds). */
export function signParams(
  params: Record<string, string | number>,
  mixin: string,
  wts: number,
): Record<string, string> {
  const all: Record<string, string> = { wts: String(wts) };
  for (const [k, v] of Object.entries(params)) all[k] = String(v).replace(/[!'()*]/g, "");
  const query = Object.keys(all).sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(all[k])}`).join("&");
  const wRid = createHash("md5").update(query + mixin).digest("hex");
  return { ...all, w_rid: wRid };
}
