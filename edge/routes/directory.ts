/**
 * `GET /api/directory`: the home page's list. The live directory (viewers, rate, on air) joined
 * with each registered room's card (title, category, cover, streamer), live rooms first.
 * Filters: `q` (title, streamer or room id, case-insensitive) and `category`.
 */
import { Hono } from "hono";
import { roomCards } from "../accounts/room_cards.ts";
import type { EdgeDeps } from "../deps.ts";
import type { DirectoryEntry, DirectoryResponse } from "../directory_entry.ts";
import { jsonError } from "../http_errors.ts";

const MAX_QUERY = 64;

export function directoryRoutes(deps: Pick<EdgeDeps, "directory" | "accounts">): Hono {
  const app = new Hono();
  app.get("/directory", async (c) => {
    const q = (c.req.query("q") ?? "").trim().toLowerCase();
    const category = (c.req.query("category") ?? "").trim();
    if (q.length > MAX_QUERY || category.length > MAX_QUERY) {
      return jsonError(
        c,
        400,
        "invalid_request",
        `q and category are at most ${MAX_QUERY} characters`,
      );
    }
    const statuses = deps.directory.list();
    const cards = deps.accounts
      ? await roomCards(deps.accounts.store, statuses.map((s) => s.roomId))
      : new Map();
    const rooms: DirectoryEntry[] = statuses.map((s) => ({
      roomId: s.roomId,
      viewers: s.viewers,
      rate: s.rate,
      live: s.live ?? false,
      liveSince: s.liveSince ?? null,
      ...(cards.get(s.roomId) ?? { title: null, category: null, coverUrl: null, owner: null }),
    }));
    const categories = [...new Set(rooms.map((r) => r.category).filter(Boolean))].sort();
    const matches = rooms.filter((r) =>
      (!category || r.category === category) &&
      (!q || r.roomId.toLowerCase().includes(q) || (r.title ?? "").toLowerCase().includes(q) ||
        (r.owner?.displayName ?? "").toLowerCase().includes(q) ||
        (r.owner?.username ?? "").toLowerCase().includes(q))
    );
    const body: DirectoryResponse = { rooms: matches, categories: categories as string[] };
    return c.json(body);
  });
  return app;
}
