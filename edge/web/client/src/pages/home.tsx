/**
 * Home: live rooms as cards (live ones first, rooms of people you follow before the rest when
 * signed in), a category filter and a search by title or streamer, empty and offline states
 * that say what to do; opening a room by id and the guest nickname.
 */
import "../styles/home.css";
import { useComputed, useSignal, useSignalEffect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { DirectoryEntry, DirectoryResponse } from "../../../../directory_entry.ts";
import { api, currentUser } from "../api.ts";
import { RoomCard } from "../components/room_card.tsx";
import { t } from "../i18n/i18n.ts";

const POLL_MS = 3_000;
const FOLLOWING_POLL_MS = 15_000;
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

interface FollowedLive {
  live: { roomId: string; title: string; category: string; owner: { displayName: string } }[];
}

type Load = { state: "loading" } | { state: "ok"; data: DirectoryResponse } | {
  state: "offline";
};

export function Home({ notice }: { notice: (text: string) => void }) {
  const query = useSignal("");
  const category = useSignal("");
  const load = useSignal<Load>({ state: "loading" });
  const followed = useSignal<FollowedLive["live"] | null>(null);
  const now = useSignal(Date.now());
  const tick = useSignal(0);
  /** This server records live streams: live rooms get a key frame as their cover. */
  const liveCovers = useSignal(false);
  useEffect(() => {
    fetch("/api/media/status").then((r) => r.json()).then(
      (m) => (liveCovers.value = !!m.recording),
      () => {},
    );
  }, []);

  // The list: refetched on every poll tick and whenever the filters change.
  useSignalEffect(() => {
    const params = new URLSearchParams();
    if (query.value.trim()) params.set("q", query.value.trim());
    if (category.value) params.set("category", category.value);
    void tick.value;
    let stale = false;
    api<DirectoryResponse>(`/directory?${params}`).then(
      (data) => !stale && (load.value = { state: "ok", data }, now.value = Date.now()),
      () => !stale && (load.value = { state: "offline" }),
    );
    return () => (stale = true);
  });
  useEffect(() => {
    const timer = setInterval(() => tick.value++, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  // Live rooms of followed streamers (signed-in users only).
  useSignalEffect(() => {
    if (!currentUser.value) {
      followed.value = null;
      return;
    }
    const fetchFollowed = () =>
      api<FollowedLive>("/me/following/live", { auth: true }).then(
        (r) => (followed.value = r.live),
        () => (followed.value = null),
      );
    fetchFollowed();
    const timer = setInterval(fetchFollowed, FOLLOWING_POLL_MS);
    return () => clearInterval(timer);
  });

  const rooms = useComputed<DirectoryEntry[]>(() => {
    const l = load.value;
    if (l.state !== "ok") return [];
    const mine = new Set((followed.value ?? []).map((r) => r.roomId));
    // Stable partition: followed rooms first, the server's order (live, viewers) otherwise.
    return [
      ...l.data.rooms.filter((r) => mine.has(r.roomId)),
      ...l.data.rooms.filter((r) => !mine.has(r.roomId)),
    ];
  });

  return (
    <div class="home">
      {followed.value && (
        <section class="panel" aria-labelledby="following-h">
          <h2 id="following-h">{t("home.following")}</h2>
          {followed.value.length === 0
            ? <p class="muted">{t("home.followingEmpty")}</p>
            : (
              <ul class="following-row">
                {followed.value.map((r) => (
                  <li key={r.roomId}>
                    <a class="live-chip" href={`/r/${encodeURIComponent(r.roomId)}`}>
                      <span class="dot" aria-hidden="true" />
                      <strong>{r.owner.displayName}</strong>
                      <span class="muted">{r.title}</span>
                    </a>
                  </li>
                ))}
              </ul>
            )}
        </section>
      )}

      <section class="panel" aria-labelledby="live-h">
        <div class="home-head">
          <h2 id="live-h">{t("home.title")}</h2>
          <form class="search" role="search" onSubmit={(e) => e.preventDefault()}>
            <label for="room-search" class="visually-hidden">{t("home.search")}</label>
            <input
              id="room-search"
              type="search"
              maxLength={64}
              placeholder={t("home.searchPlaceholder")}
              value={query.value}
              onInput={(e) => (query.value = (e.currentTarget as HTMLInputElement).value)}
            />
          </form>
        </div>
        {load.value.state === "ok" && load.value.data.categories.length > 0 && (
          <div class="chips" role="group" aria-label={t("home.category")}>
            {["", ...load.value.data.categories].map((c) => (
              <button
                key={c}
                type="button"
                class="chip"
                aria-pressed={category.value === c}
                onClick={() => (category.value = c)}
              >
                {c || t("home.allCategories")}
              </button>
            ))}
          </div>
        )}
        <RoomGrid
          load={load.value}
          rooms={rooms.value}
          query={query.value}
          now={now.value}
          liveCovers={liveCovers.value}
          retry={() => tick.value++}
        />
      </section>

      <section class="panel home-forms">
        <OpenRoomForm />
        <NicknameForm notice={notice} />
      </section>
    </div>
  );
}

function RoomGrid(
  { load, rooms, query, now, liveCovers, retry }: {
    load: Load;
    rooms: DirectoryEntry[];
    query: string;
    now: number;
    liveCovers: boolean;
    retry: () => void;
  },
) {
  if (load.state === "loading") return <p class="muted state">{t("home.loading")}</p>;
  if (load.state === "offline") {
    return (
      <div class="state offline" role="alert">
        <p>{t("home.offline")}</p>
        <button type="button" onClick={retry}>{t("home.retry")}</button>
      </div>
    );
  }
  if (rooms.length === 0) {
    return (
      <p class="muted state" id="rooms-empty">
        {query.trim() ? t("home.noMatch", { q: query.trim() }) : t("home.empty")}
      </p>
    );
  }
  return (
    <ul id="room-list" class="room-grid">
      {rooms.map((r) => <RoomCard key={r.roomId} room={r} now={now} liveCovers={liveCovers} />)}
    </ul>
  );
}

function OpenRoomForm() {
  const value = useSignal("");
  const error = useSignal(false);
  return (
    <form
      id="open-room"
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        const id = value.value.trim();
        if (!ROOM_ID.test(id)) {
          error.value = true;
          return;
        }
        location.href = `/r/${encodeURIComponent(id)}`;
      }}
    >
      <label for="room-id">{t("home.openLabel")}</label>
      <input
        id="room-id"
        maxLength={64}
        placeholder={t("home.openPlaceholder")}
        aria-invalid={error.value}
        aria-describedby={error.value ? "room-id-error" : undefined}
        value={value.value}
        onInput={(e) => {
          value.value = (e.currentTarget as HTMLInputElement).value;
          error.value = false;
        }}
      />
      <button type="submit">{t("home.openButton")}</button>
      {error.value && <span id="room-id-error" class="error">{t("home.badRoomId")}</span>}
    </form>
  );
}

function NicknameForm({ notice }: { notice: (text: string) => void }) {
  const value = useSignal(localStorage.getItem("synapse.nickname") ?? "");
  return (
    <form
      id="nick-form"
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        localStorage.setItem("synapse.nickname", value.value.trim());
        localStorage.removeItem("synapse.session"); // the next guest session carries the name
        notice(t("home.nicknameSaved"));
      }}
    >
      <label for="nickname">{t("home.nickname")}</label>
      <input
        id="nickname"
        maxLength={24}
        value={value.value}
        onInput={(e) => (value.value = (e.currentTarget as HTMLInputElement).value)}
      />
      <button type="submit">{t("home.nicknameSave")}</button>
    </form>
  );
}
