/**
 * The VOD page (`/vod/:roomId`, `/vod/:roomId/:recordingId`; older links `/#/vod?room=&rec=`
 * land here too): the room's recordings, one played over HLS with its timeline (segments,
 * gaps, highlights: click to seek), highlight clips, the summary and chapters, captions as a
 * text track, and the chat replayed over the video and listed beside it.
 */
import "../../styles/media.css";
import "../../styles/danmaku.css";
import "../../styles/vod.css";
import "../../styles/faces.css";
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { RecordingRow } from "../../../../../../actors/recording/recording_index.ts";
import { formatDateTime } from "../../i18n/format.ts";
import { errorText, t } from "../../i18n/i18n.ts";
import { vodHref } from "../../routes.ts";
import { VodPlayer } from "./vod_player.tsx";

type Load = { state: "loading" } | { state: "ok"; recordings: RecordingRow[] } | {
  state: "error";
  code: string;
};

/** `m:ss` (or `h:mm:ss`) of a VOD offset. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${mm.padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

export function Vod(
  { roomId, recordingId, notice }: {
    roomId: string;
    recordingId: string | null;
    notice: (s: string) => void;
  },
) {
  const load = useSignal<Load>({ state: "loading" });
  useEffect(() => {
    document.title = `${t("vod.title")} · ${roomId} · ${t("app.name")}`;
    fetch(`/api/vod/rooms/${encodeURIComponent(roomId)}/recordings`).then(async (r) => {
      const body = await r.json().catch(() => ({}));
      load.value = r.ok
        ? { state: "ok", recordings: body.recordings }
        : { state: "error", code: body.error?.code ?? `http_${r.status}` };
    }, () => (load.value = { state: "error", code: "offline" }));
  }, [roomId]);

  const l = load.value;
  const chosen = l.state === "ok" ? (recordingId ?? l.recordings[0]?.id ?? null) : null;
  return (
    <div class="vod">
      <section class="panel wide vod-head" aria-labelledby="vod-h">
        <h2 id="vod-h">{t("vod.title")}</h2>
        <p>
          <a href={`/r/${encodeURIComponent(roomId)}`}>{t("vod.backToRoom", { room: roomId })}</a>
        </p>
        {l.state === "loading" && <p class="muted">{t("home.loading")}</p>}
        {l.state === "error" && (
          <p class="muted" role="alert">
            {l.code === "media_disabled" ? t("vod.mediaOff") : errorText(l.code)}
          </p>
        )}
        {l.state === "ok" && (
          <ul id="recording-list" class="recording-list">
            {l.recordings.length === 0 && <li class="muted">{t("vod.none")}</li>}
            {l.recordings.map((r) => (
              <li key={r.id} aria-current={r.id === chosen ? "true" : undefined}>
                <a href={vodHref(roomId, r.id)}>{formatDateTime(r.startedAt)}</a>
                <span class="muted">
                  {t(`vod.state.${r.state}`)}
                  {r.endedAt ? ` · ${clock(r.endedAt - r.startedAt)}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {chosen && <VodPlayer key={chosen} recordingId={chosen} notice={notice} />}
    </div>
  );
}
