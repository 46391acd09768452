/** What a room's card on the home page shows beyond its live status: title, category,
 * cover and streamer (registered rooms only; a room made by just opening it has none). */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { RoomCard } from "../directory_entry.ts";

/** Cards of the registered rooms among `roomIds`, by room id. */
export async function roomCards(
  db: SqlExecutor,
  roomIds: string[],
): Promise<Map<string, RoomCard>> {
  const cards = new Map<string, RoomCard>();
  if (roomIds.length === 0) return cards;
  const rows = await db.query<{
    id: string;
    title: string;
    category: string;
    cover_url: string | null;
    owner_id: string;
    username: string;
    display_name: string;
  }>(
    `SELECT r.id, r.title, r.category, r.cover_url, u.id AS owner_id, u.username, u.display_name
       FROM rooms r JOIN users u ON u.id = r.owner_id
      WHERE r.id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(roomIds)],
  );
  for (const r of rows) {
    cards.set(r.id, {
      title: r.title,
      category: r.category,
      coverUrl: r.cover_url,
      owner: { id: r.owner_id, username: r.username, displayName: r.display_name },
    });
  }
  return cards;
}
