/**
 * The one canonical key of a username: NFKC (full-width letters, the Kelvin sign and other
 * compatibility forms become their plain letters), then lower case, and the result must be
 * 3-24 of `a-z 0-9 _` (the alphabet of registered names). Folded here, in JavaScript only, and
 * stored with the user (`users.username_key`, unique): SQL never folds, so the database's
 * locale (Postgres lower-cases U+0130, capital I with a dot, to `i` under C.UTF-8, JavaScript
 * to `i` + U+0307) cannot make two spellings disagree. A spelling whose key leaves the alphabet
 * (U+0130, U+0131 dotless i, `ß`...) names nobody.
 */

const KEY = /^[a-z0-9_]{3,24}$/;

/** The canonical key of `name`, or undefined when no account can have that name. */
export function usernameKey(name: string): string | undefined {
  if (name.length > 96) return undefined;
  const key = name.normalize("NFKC").toLowerCase();
  return KEY.test(key) ? key : undefined;
}
