/**
 * Top gifters of the room: this stream or all time (an offline room shows all time until the
 * viewer picks a tab). Refreshed, debounced, when a gift arrives. Hidden for an unregistered
 * room or a server without the economy.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError } from "../../api.ts";
import { formatCoins } from "../../i18n/format.ts";
import { t } from "../../i18n/i18n.ts";
import type { RoomConnection } from "./connection.ts";

interface Entry {
  rank: number;
  userId: string;
  name: string;
  amount: string;
}
type Scope = "stream" | "all";
type Board = { entries: Entry[] } | { empty: "noStream" | "unavailable" } | null;

export function Leaderboard({ room }: { room: RoomConnection }) {
  const scope = useSignal<Scope>("stream");
  const chosen = useSignal(false);
  const board = useSignal<Board>(null);
  const hidden = useSignal(false);
  const bump = useSignal(0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return room.listen({
      event: (e) => {
        if (e.t !== "gift") return;
        clearTimeout(timer);
        timer = setTimeout(() => bump.value++, 300);
      },
    });
  }, [room]);

  useEffect(() => {
    let stale = false;
    const path = `/rooms/${encodeURIComponent(room.roomId)}/leaderboard?scope=${scope.value}`;
    // its refusals are answers (no stream yet, no such room): said from the catalogue
    api<{ entries: Entry[] }>(path, { quiet: true }).then(
      (r) => !stale && (board.value = { entries: r.entries }),
      (err) => {
        if (stale) return;
        const code = err instanceof ApiError ? err.code : "";
        if (code === "invalid_request" && !chosen.value) scope.value = "all";
        else if (code === "invalid_request") board.value = { empty: "noStream" };
        else if (err instanceof ApiError && err.status === 404) hidden.value = true;
        else board.value = { empty: "unavailable" };
      },
    );
    return () => (stale = true);
  }, [scope.value, bump.value]);

  if (hidden.value) return null;
  const b = board.value;
  return (
    <section id="leaderboard-panel" aria-labelledby="leaderboard-h">
      <h3 id="leaderboard-h">{t("leaderboard.title")}</h3>
      <div id="leaderboard-tabs" class="tabs" role="group" aria-label={t("leaderboard.title")}>
        {(["stream", "all"] as const).map((s) => (
          <button
            key={s}
            type="button"
            data-scope={s}
            class={scope.value === s ? "active" : undefined}
            aria-pressed={scope.value === s}
            onClick={() => {
              chosen.value = true;
              scope.value = s;
            }}
          >
            {t(`leaderboard.${s}`)}
          </button>
        ))}
      </div>
      <ol id="leaderboard" class="leaderboard">
        {b && "entries" in b && b.entries.length > 0
          ? b.entries.map((e) => (
            <li key={e.userId} data-user={e.userId}>
              <span class="rank">#{e.rank}</span>
              <span class="name">{e.name}</span>
              <span class="amount">{formatCoins(e.amount)}</span>
            </li>
          ))
          : b && (
            <li class="muted">
              {"empty" in b
                ? t(b.empty === "noStream" ? "leaderboard.noStream" : "leaderboard.unavailable")
                : t(scope.value === "stream" ? "leaderboard.emptyStream" : "leaderboard.empty")}
            </li>
          )}
      </ol>
    </section>
  );
}
