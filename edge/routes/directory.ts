/**
 * `GET /api/directory`: the home page's list. The live directory (viewers, rate, on air) joined
 * with each registered room's card (title, category, cover, streamer), live rooms first.
 * Filters: `q` (title, streamer or room id, case-insensitive) and `category`, at most 64
 * characters each once trimmed (checked by the declaration's schema: 400 `invalid_request`).
 */
import { Hono } from "hono";
import { roomCards } from "../accounts/room_cards.ts";
import type { EdgeDeps } from "../deps.ts";
import type { DirectoryEntry, DirectoryResponse } from "../directory_entry.ts";
import { declared } from "../openapi/area.ts";
import { publicApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

export function directoryRoutes(deps: Pick<EdgeDeps, "directory" | "accounts">): Hono {
  const app = new Hono();
  const tooLong = { code: "invalid_request", message: "q and category are at most 64 characters" };
  mount(app, declared(publicApi, "get", "/directory"), async (c, input) => {
    const query = input.query();
    const q = (query.q ?? "").toLowerCase();
    const category = query.category ?? "";
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
  }, tooLong);
  return app;
}
