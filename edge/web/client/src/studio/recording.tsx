/**
 * Recording: the room's recording state (`GET /api/recording/status`) and its segments as
 * they land (SSE `/api/recording/events`), with a link to the room's recordings.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { formatTime } from "../i18n/format.ts";
import { openEvents } from "./sse.ts";

interface Status {
  recordingId: string;
  state?: string;
  segments?: number;
  startedAt?: number;
}
interface Seg {
  seq: number;
  durationSec?: number;
  at: number;
}

export function Recording({ roomId }: { roomId: string }) {
  const rec = useSignal<Status | null>(null);
  const segments = useSignal<Seg[]>([]);
  const status = useSignal("");
  useEffect(() => {
    const room = encodeURIComponent(roomId);
    const load = () =>
      api<{ recording: Status | null }>(`/recording/status?roomId=${room}`, { auth: true })
        .then((r) => (rec.value = r.recording), (err) => {
          status.value = errorText(err instanceof ApiError ? err.code : "offline");
        });
    load();
    return openEvents(`/recording/events?roomId=${room}`, {
      recording_started: load,
      recording_stopped: load,
      segment_ready: (e) => {
        const s = e as { seq: number; durationSec?: number };
        segments.value = [{ ...s, at: Date.now() }, ...segments.value].slice(0, 30);
        load();
      },
    });
  }, [roomId]);
  const r = rec.value;
  return (
    <section class="panel-card" aria-labelledby="rec-h">
      <h2 id="rec-h">{t("rec.title")}</h2>
      <p id="rec-state">
        {r
          ? t("rec.state", {
            state: r.state ?? "recording",
            n: r.segments ?? segments.value.length,
          })
          : t("rec.none")}
      </p>
      {status.value && <p class="muted">{status.value}</p>}
      <ol id="segments" class="segments">
        {segments.value.map((s) => (
          <li key={s.seq}>
            {t("rec.segment", { seq: s.seq, s: s.durationSec?.toFixed(1) ?? "?" })} ·{" "}
            {formatTime(s.at)}
          </li>
        ))}
      </ol>
      <a href={`/#/vod?room=${encodeURIComponent(roomId)}`}>{t("rec.vod")}</a>
    </section>
  );
}
