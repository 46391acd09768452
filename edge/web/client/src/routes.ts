/**
 * Which page a URL is. `/` with no page hash is Home; `/r/:id` (or the older `#room=id`) is a
 * Room; `/vod/:id` (or the older `#/vod?room=`) the recordings. The OAuth callback
 * (`#/oauth?...`) lands on `/` and becomes Home once the session is kept (api.ts). Pages that
 * moved: see `movedTo`.
 */

/**
 * Where an older link now goes, or null: `#/golive` and `#/console` (the streamer console) to
 * the dashboard (/studio, /studio/:room), `#/users` and `#/finance` to the operator page.
 */
export function movedTo(where: Pick<Location, "pathname" | "hash">): string | null {
  if (where.pathname !== "/") return null;
  const [page, query] = where.hash.split("?");
  if (page === "#/golive" || page === "#/console") {
    const room = new URLSearchParams(query ?? "").get("room");
    return room && /^[A-Za-z0-9_-]{1,64}$/.test(room) ? `/studio/${room}` : "/studio";
  }
  if (page === "#/users") return "/ops#users";
  if (page === "#/finance") return "/ops#finance";
  return null;
}
export function isHomeRoute(where: Pick<Location, "pathname" | "hash">): boolean {
  if (where.pathname !== "/") return false;
  return where.hash === "" || where.hash === "#" || where.hash === "#/" ||
    where.hash.startsWith("#/oauth");
}

const ROOM_ID = "([A-Za-z0-9_-]{1,64})";

/** The room a URL opens (`/r/lobby`, or `/#room=lobby` from older links), else null. */
export function roomIdOf(where: Pick<Location, "pathname" | "hash">): string | null {
  if (/^#\/(golive|vod)/.test(where.hash)) return null; // they name a room too
  const fromPath = where.pathname.match(new RegExp(`^/r/${ROOM_ID}$`));
  const fromHash = where.pathname === "/" ? where.hash.match(new RegExp(`room=${ROOM_ID}`)) : null;
  return fromPath?.[1] ?? fromHash?.[1] ?? null;
}

/** The recordings a URL opens: `/vod/:room[/:recording]`, or the older `/#/vod?room=&rec=`. */
export function vodOf(
  where: Pick<Location, "pathname" | "hash">,
): { roomId: string; recordingId: string | null } | null {
  const path = where.pathname.match(new RegExp(`^/vod/${ROOM_ID}(?:/([A-Za-z0-9_-]{1,80}))?$`));
  if (path) return { roomId: path[1], recordingId: path[2] ?? null };
  if (where.pathname !== "/" || !where.hash.startsWith("#/vod")) return null;
  const q = new URLSearchParams(where.hash.split("?")[1] ?? "");
  const roomId = q.get("room");
  if (!roomId || !new RegExp(`^${ROOM_ID}$`).test(roomId)) return null;
  const rec = q.get("rec");
  return { roomId, recordingId: rec && /^[A-Za-z0-9_-]{1,80}$/.test(rec) ? rec : null };
}

/** The meeting a URL opens (`/m/:roomId`), else null. */
export function meetingIdOf(where: Pick<Location, "pathname">): string | null {
  return where.pathname.match(new RegExp(`^/m/${ROOM_ID}$`))?.[1] ?? null;
}

/** The address of a room's recordings (or one of them). */
export function vodHref(roomId: string, recordingId?: string): string {
  return `/vod/${encodeURIComponent(roomId)}${recordingId ? `/${recordingId}` : ""}`;
}
