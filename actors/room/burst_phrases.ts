/**
 * Burst phrases: what a live audience spams when something happens ("666", "哈哈哈",
 * "？？？", "草", "lol", "前方高能"...). `burstPhrase` maps a match key (NFKC folded,
 * lower-cased; see `sanitize.ts#matchKey`) to a canonical phrase, so "６６６６６",
 * "666666" and "666 牛" all count as "666". One combined regular expression: one pass per
 * message on the hot path.
 */

const PHRASES: readonly (readonly [canonical: string, pattern: string])[] = [
  ["666", String.raw`(?<![0-9])6{3,}(?![0-9])`],
  ["哈哈哈", String.raw`哈{3,}`],
  ["hhh", String.raw`(?<![a-z])h{3,}(?![a-z])`],
  ["???", String.raw`[?¿]{3,}`],
  ["!!!", String.raw`!{3,}`],
  ["草", String.raw`^草+[w!]*$`],
  ["www", String.raw`(?<![a-z.])w{3,}(?![a-z.])`],
  ["lol", String.raw`(?<![a-z])(?:lo+l(?:ol)*|lmf?a+o+|rofl)(?![a-z])`],
  ["前方高能", String.raw`前方高能`],
  ["awsl", String.raw`(?<![a-z])awsl(?![a-z])`],
  ["xswl", String.raw`(?<![a-z])xswl(?![a-z])`],
  ["yyds", String.raw`(?<![a-z])yyds(?![a-z])`],
  ["牛", String.raw`牛[逼b批]|^牛+[!]*$`],
  ["泪目", String.raw`泪目`],
  ["名场面", String.raw`名场面`],
  ["pog", String.raw`(?<![a-z])pog(?:gers|champ|u)?(?![a-z])`],
  ["kekw", String.raw`(?<![a-z])kekw(?![a-z])`],
  ["omg", String.raw`(?<![a-z])omg+(?![a-z])`],
  ["gg", String.raw`^g{2,}(?:\s*wp)?!*$`],
  ["clip it", String.raw`(?<![a-z])clip\s?it(?![a-z])`],
];

const COMBINED = new RegExp(PHRASES.map(([, p]) => `(${p})`).join("|"), "u");

/** The canonical burst phrase in `key`, or undefined. */
export function burstPhrase(key: string): string | undefined {
  const m = COMBINED.exec(key);
  if (m === null) return undefined;
  for (let i = 1; i < m.length; i++) if (m[i] !== undefined) return PHRASES[i - 1][0];
  return undefined;
}
