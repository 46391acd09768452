/**
 * Which page a URL is. The older app.js routes the pages not yet rebuilt (`/r/:id`, `#/console`,
 * `#/finance`, `#/users`, `#/golive`, `#/vod`); `/` with no such hash is Home. The OAuth
 * callback (`#/oauth?...`) lands on `/` and becomes Home once app.js has read it.
 */
export function isHomeRoute(where: Pick<Location, "pathname" | "hash">): boolean {
  if (where.pathname !== "/") return false;
  return where.hash === "" || where.hash === "#" || where.hash === "#/" ||
    where.hash.startsWith("#/oauth");
}
