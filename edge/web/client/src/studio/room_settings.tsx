/**
 * The room's settings on the dashboard (`PATCH /api/rooms/:id`): title, category, cover
 * image URL, whether guests may chat, and the room's admins by username (unknown names are
 * reported and nothing is saved). A live room takes the change at once. Also the stream's
 * state without media (`POST /rooms/:id/stream/start|stop`): a room marked live shows as live
 * to followers while OBS or the browser connects.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";

interface RoomRecord {
  id: string;
  title: string;
  category: string;
  coverUrl: string | null;
  guestChat: boolean;
  liveStreamId: string | null;
  admins: string[];
}

const codeOf = (err: unknown) => err instanceof ApiError ? err.code : "offline";

/** User ids → usernames (an id that cannot be read stays as it is). */
async function usernamesOf(ids: string[]): Promise<string[]> {
  return await Promise.all(
    ids.map((id) =>
      api<{ user: { username: string } }>(`/users/${encodeURIComponent(id)}`).then(
        (r) => r.user.username,
        () => id,
      )
    ),
  );
}

/** Usernames → user ids; throws `user_not_found` (with the name) for an unknown one. */
async function userIdsOf(names: string[]): Promise<string[]> {
  return await Promise.all(
    names.map((name) =>
      api<{ user: { id: string } }>(`/usernames/${encodeURIComponent(name)}`).then(
        (r) => r.user.id,
        (err) => {
          throw Object.assign(new ApiError(404, codeOf(err)), { name });
        },
      )
    ),
  );
}

export function RoomSettings({ roomId, onSaved }: { roomId: string; onSaved?: () => void }) {
  const room = useSignal<RoomRecord | null>(null);
  const admins = useSignal("");
  const status = useSignal("");
  const busy = useSignal(false);
  const load = async () => {
    try {
      const r = await api<{ room: RoomRecord }>(`/rooms/${encodeURIComponent(roomId)}/settings`);
      admins.value = (await usernamesOf(r.room.admins)).join(", ");
      room.value = r.room;
    } catch (err) {
      status.value = errorText(codeOf(err));
    }
  };
  useEffect(() => void load(), [roomId]);
  const save = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    busy.value = true;
    status.value = t("settings.saving");
    try {
      const names = String(f.get("admins") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      let ids: string[];
      try {
        ids = await userIdsOf(names);
      } catch (err) {
        status.value = t("settings.unknownAdmin", { name: (err as { name?: string }).name ?? "" });
        return;
      }
      const cover = String(f.get("coverUrl") ?? "").trim();
      const r = await api<{ room: RoomRecord; settingsApplied: boolean }>(
        `/rooms/${encodeURIComponent(roomId)}`,
        {
          method: "PATCH",
          auth: true,
          json: {
            title: String(f.get("title") ?? "").trim(),
            category: String(f.get("category") ?? "").trim(),
            coverUrl: cover || null,
            guestChat: f.get("guestChat") === "on",
            admins: ids,
          },
        },
      );
      room.value = r.room;
      status.value = t(r.settingsApplied ? "settings.savedLive" : "settings.saved");
      onSaved?.();
    } catch (err) {
      status.value = errorText(codeOf(err));
    } finally {
      busy.value = false;
    }
  };
  const toggleStream = async () => {
    const live = !!room.value?.liveStreamId;
    try {
      await api(`/rooms/${encodeURIComponent(roomId)}/stream/${live ? "stop" : "start"}`, {
        method: "POST",
        auth: true,
      });
      await load();
      onSaved?.();
    } catch (err) {
      status.value = errorText(codeOf(err));
    }
  };
  const r = room.value;
  return (
    <section class="panel-card" aria-labelledby="settings-h">
      <h2 id="settings-h">{t("settings.title")}</h2>
      {!r && !status.value && <p class="muted">{t("studio.loading")}</p>}
      {r && (
        <form class="stack" id="room-settings" data-room={r.id} onSubmit={save} key={r.id}>
          <label>
            <span>{t("console.title")}</span>
            <input name="title" required maxLength={120} value={r.title} />
          </label>
          <label>
            <span>{t("console.category")}</span>
            <input name="category" pattern="[a-z0-9\-]{1,40}" value={r.category} />
          </label>
          <label>
            <span>{t("console.cover")}</span>
            <input name="coverUrl" type="url" placeholder="https://…" value={r.coverUrl ?? ""} />
          </label>
          <label class="check">
            <input name="guestChat" type="checkbox" checked={r.guestChat} />
            <span>{t("console.guestChat")}</span>
          </label>
          <label>
            <span>{t("settings.admins")}</span>
            <input
              name="admins"
              value={admins.value}
              placeholder={t("settings.adminsHint")}
              autoComplete="off"
            />
          </label>
          <div class="row">
            <button type="submit" disabled={busy.value}>{t("settings.save")}</button>
            <button type="button" class="secondary" id="stream-toggle" onClick={toggleStream}>
              {r.liveStreamId ? t("settings.endStream") : t("settings.markLive")}
            </button>
          </div>
        </form>
      )}
      <p class="muted" id="settings-status" role="status">{status.value}</p>
    </section>
  );
}
