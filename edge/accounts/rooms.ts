/**
 * Streamer rooms: create and edit (title, category, cover, guest chat, room admins), and
 * the streams that run in them (a stream is one time on air; leaderboards are per stream).
 * Creating a room makes its owner a streamer. The owner and platform admins may change
 * everything; room admins may change the presentation but not the admin list.
 */
import { z } from "zod";
import type { SqlExecutor, SqlStore } from "../../engine/sql/sql.ts";
import { sqlState, UNIQUE_VIOLATION } from "../../engine/sql/sql.ts";
import type { Identity } from "../auth/identity.ts";
import { visibleText } from "../../engine/text/schema.ts";
import { AccountError } from "./errors.ts";
import { addRole } from "./users.ts";
import { LANGUAGE_SETTINGS, type LanguageSetting } from "../../actors/ai/language_tags.ts";

/** Rooms one user may own. */
export const MAX_ROOMS_PER_USER = 5;
export const MAX_ROOM_ADMINS = 20;

const RoomFields = {
  title: visibleText(1, 120),
  category: z.string().trim().regex(/^[a-z0-9-]{1,40}$/, "category: 1-40 of a-z 0-9 -"),
  coverUrl: z.url({ protocol: /^https?$/ }).max(500).nullable(),
  guestChat: z.boolean(),
  /** The language of the room's AI output (`auto`: the language detected in the stream). */
  language: z.enum(LANGUAGE_SETTINGS as [LanguageSetting, ...LanguageSetting[]]),
};

export const CreateRoomInput = z.object({
  id: z.string().regex(/^[a-z0-9_-]{3,64}$/, "room id: 3-64 of a-z 0-9 _ -").optional(),
  title: RoomFields.title,
  category: RoomFields.category.default("just-chatting"),
  coverUrl: RoomFields.coverUrl.default(null),
  guestChat: RoomFields.guestChat.default(true),
  /** `meeting`: a meeting room (waiting room, host controls; fixed at creation). */
  kind: z.enum(["live", "meeting"]).default("live"),
  language: RoomFields.language.default("auto"),
}).strict();
export type CreateRoomInput = z.infer<typeof CreateRoomInput>;

export const UpdateRoomInput = z.object({
  title: RoomFields.title.optional(),
  category: RoomFields.category.optional(),
  coverUrl: RoomFields.coverUrl.optional(),
  guestChat: RoomFields.guestChat.optional(),
  language: RoomFields.language.optional(),
  admins: z.array(z.string().min(1).max(64)).max(MAX_ROOM_ADMINS).optional(),
}).strict();
export type UpdateRoomInput = z.infer<typeof UpdateRoomInput>;

export interface Room {
  id: string;
  ownerId: string;
  title: string;
  category: string;
  coverUrl: string | null;
  guestChat: boolean;
  kind: "live" | "meeting";
  language: LanguageSetting;
  liveStreamId: string | null;
  admins: string[];
  createdAt: Date;
  updatedAt: Date;
}

interface RoomRow {
  id: string;
  owner_id: string;
  title: string;
  category: string;
  cover_url: string | null;
  guest_chat: boolean;
  kind: "live" | "meeting";
  language: string | null;
  live_stream_id: string | null;
  admins: string[] | null;
  created_at: Date;
  updated_at: Date;
}

const SELECT_ROOM = `SELECT r.id, r.owner_id, r.title, r.category, r.cover_url, r.guest_chat,
    r.kind, r.language, r.live_stream_id, r.created_at, r.updated_at,
    ARRAY(SELECT a.user_id FROM room_admins a WHERE a.room_id = r.id ORDER BY a.user_id) AS admins
  FROM rooms r`;

const toRoom = (r: RoomRow): Room => ({
  id: r.id,
  ownerId: r.owner_id,
  title: r.title,
  category: r.category,
  coverUrl: r.cover_url,
  guestChat: r.guest_chat,
  kind: r.kind,
  language: (LANGUAGE_SETTINGS as readonly string[]).includes(r.language ?? "")
    ? r.language as LanguageSetting
    : "auto",
  liveStreamId: r.live_stream_id,
  admins: r.admins ?? [],
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const randomRoomId = () => `r-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

export async function getRoom(db: SqlExecutor, id: string): Promise<Room | undefined> {
  const rows = await db.query<RoomRow>(`${SELECT_ROOM} WHERE r.id = $1`, [id]);
  return rows[0] && toRoom(rows[0]);
}

export async function requireRoom(db: SqlExecutor, id: string): Promise<Room> {
  const room = await getRoom(db, id);
  if (!room) throw new AccountError("unknown_room", `no room ${id}`);
  return room;
}

export async function roomsOf(db: SqlExecutor, ownerId: string): Promise<Room[]> {
  const rows = await db.query<RoomRow>(
    `${SELECT_ROOM} WHERE r.owner_id = $1 ORDER BY r.created_at`,
    [ownerId],
  );
  return rows.map(toRoom);
}

export async function createRoom(
  store: SqlStore,
  ownerId: string,
  input: Omit<CreateRoomInput, "kind" | "language"> & {
    kind?: CreateRoomInput["kind"];
    language?: LanguageSetting;
  },
): Promise<Room> {
  return await store.transaction(async (tx) => {
    // Serialise one owner's creations so the limit holds.
    await tx.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [ownerId]);
    const [{ n }] = await tx.query<{ n: unknown }>(
      "SELECT count(*) AS n FROM rooms WHERE owner_id = $1",
      [ownerId],
    );
    if (Number(n) >= MAX_ROOMS_PER_USER) {
      throw new AccountError("room_limit", `at most ${MAX_ROOMS_PER_USER} rooms per streamer`);
    }
    const id = input.id ?? randomRoomId();
    try {
      await tx.savepoint((sp) =>
        sp.query(
          `INSERT INTO rooms (id, owner_id, title, category, cover_url, guest_chat, kind, language)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            id,
            ownerId,
            input.title,
            input.category,
            input.coverUrl,
            input.guestChat,
            input.kind ?? "live",
            input.language ?? "auto",
          ],
        )
      );
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) {
        throw new AccountError("room_taken", `the room id ${id} is taken`);
      }
      throw err;
    }
    await addRole(tx, ownerId, "streamer");
    return (await getRoom(tx, id))!;
  });
}

/** May `who` manage `room`? `full` also covers the admin list and deletion. */
export function canManage(room: Room, who: Identity, full: boolean): boolean {
  if (who.kind !== "user") return false;
  if (room.ownerId === who.userId || who.roles.includes("admin")) return true;
  return !full && room.admins.includes(who.userId);
}

export async function updateRoom(
  store: SqlStore,
  who: Identity,
  roomId: string,
  patch: UpdateRoomInput,
): Promise<Room> {
  return await store.transaction(async (tx) => {
    const room = await requireRoom(tx, roomId);
    const full = patch.admins !== undefined;
    if (!canManage(room, who, full)) {
      throw new AccountError("forbidden", full ? "only the owner sets room admins" : "not yours");
    }
    await tx.query(
      `UPDATE rooms SET title = coalesce($2, title), category = coalesce($3, category),
              cover_url = CASE WHEN $4::boolean THEN $5 ELSE cover_url END,
              guest_chat = coalesce($6, guest_chat), language = coalesce($7, language),
              updated_at = now()
        WHERE id = $1`,
      [
        roomId,
        patch.title ?? null,
        patch.category ?? null,
        patch.coverUrl !== undefined,
        patch.coverUrl ?? null,
        patch.guestChat ?? null,
        patch.language ?? null,
      ],
    );
    if (patch.admins) {
      const admins = [...new Set(patch.admins)].filter((id) => id !== room.ownerId);
      const known = await tx.query<{ id: string }>(
        "SELECT id FROM users WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
        [JSON.stringify(admins)],
      );
      if (known.length !== admins.length) {
        throw new AccountError("unknown_user", "every room admin must be a registered user");
      }
      await tx.query("DELETE FROM room_admins WHERE room_id = $1", [roomId]);
      await tx.query(
        `INSERT INTO room_admins (room_id, user_id)
         SELECT $1, jsonb_array_elements_text($2::jsonb)`,
        [roomId, JSON.stringify(admins)],
      );
    }
    return (await getRoom(tx, roomId))!;
  });
}

/** Delete a room that has no gifts (rooms with money history are kept for the books). */
export async function deleteRoom(store: SqlStore, who: Identity, roomId: string): Promise<void> {
  await store.transaction(async (tx) => {
    const room = await requireRoom(tx, roomId);
    if (!canManage(room, who, true)) throw new AccountError("forbidden", "not yours");
    const gifts = await tx.query("SELECT 1 FROM gifts WHERE room_id = $1 LIMIT 1", [roomId]);
    if (gifts.length) {
      throw new AccountError("room_has_history", "a room that received gifts cannot be deleted");
    }
    await tx.query("DELETE FROM rooms WHERE id = $1", [roomId]);
  });
}

/** Put the room on air: a new stream, unless one is already live (then that one). */
export async function startStream(store: SqlStore, roomId: string): Promise<string> {
  return await store.transaction(async (tx) => {
    const rows = await tx.query<{ live_stream_id: string | null; title: string }>(
      "SELECT live_stream_id, title FROM rooms WHERE id = $1 FOR UPDATE",
      [roomId],
    );
    if (!rows[0]) throw new AccountError("unknown_room", `no room ${roomId}`);
    if (rows[0].live_stream_id) return rows[0].live_stream_id;
    const id = crypto.randomUUID();
    await tx.query("INSERT INTO streams (id, room_id, title) VALUES ($1, $2, $3)", [
      id,
      roomId,
      rows[0].title,
    ]);
    await tx.query("UPDATE rooms SET live_stream_id = $2 WHERE id = $1", [roomId, id]);
    return id;
  });
}

export async function endStream(store: SqlStore, roomId: string): Promise<string | null> {
  return await store.transaction(async (tx) => {
    const rows = await tx.query<{ live_stream_id: string | null }>(
      "SELECT live_stream_id FROM rooms WHERE id = $1 FOR UPDATE",
      [roomId],
    );
    if (!rows[0]) throw new AccountError("unknown_room", `no room ${roomId}`);
    const id = rows[0].live_stream_id;
    if (id) {
      await tx.query("UPDATE streams SET ended_at = now() WHERE id = $1", [id]);
      await tx.query("UPDATE rooms SET live_stream_id = NULL WHERE id = $1", [roomId]);
    }
    return id;
  });
}
