/**
 * Coaching tips as cards, newest first: the latest windows (`GET /api/analysis/tips/latest`)
 * and each new one as it is stored (SSE `tips`), with the latest window's on-screen text
 * (OCR) and the recording's face and expression timeline. Streamer and room admins only.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { formatTime } from "../i18n/format.ts";
import type { MessageKey } from "../i18n/messages_en.ts";
import { openEvents } from "./sse.ts";
import { FaceTimeline } from "../components/face_timeline.tsx";

interface TipWindow {
  recordingId?: string;
  window: number;
  endAt: number;
  source: string;
  tips: { type: string; text: string }[];
  /** The window's on-screen text (OCR of its key frames). */
  screenText?: string[];
  /** The streamer's voice: local measures, emotion only from an audio LLM. */
  voice?: {
    energy: string | null;
    loudnessDb: number | null;
    syllablesPerSecond: number | null;
    pitchRangeSemitones: number | null;
    emotion?: { emotion: string; confidence: number };
  } | null;
}
const KEEP = 6;
const ICON: Record<string, string> = {
  welcome: "👋",
  product: "🛒",
  interaction: "💬",
  closing: "🏁",
};

export function CoachingTips({ roomId }: { roomId: string }) {
  const rows = useSignal<TipWindow[]>([]);
  const status = useSignal(t("studio.loading"));
  useEffect(() => {
    const room = encodeURIComponent(roomId);
    api<{ tips: TipWindow[] }>(`/analysis/tips/latest?room=${room}&limit=${KEEP}`, { auth: true })
      .then((r) => {
        rows.value = r.tips;
        status.value = "";
      }, (err) => {
        status.value = err instanceof ApiError && err.code === "not_found"
          ? t("tips.off")
          : errorText(err instanceof ApiError ? err.code : "offline");
      });
    return openEvents(`/analysis/tips/stream?room=${room}`, {
      tips: (w) => {
        rows.value = [
          w as TipWindow,
          ...rows.value.filter((r) => r.window !== (w as TipWindow).window),
        ]
          .slice(0, KEEP);
      },
    });
  }, [roomId]);
  return (
    <section class="panel-card" aria-labelledby="tips-h">
      <h2 id="tips-h">{t("tips.title")}</h2>
      {status.value && <p class="muted">{status.value}</p>}
      {!status.value && rows.value.length === 0 && <p class="muted">{t("tips.none")}</p>}
      {(rows.value[0]?.screenText?.length ?? 0) > 0 && (
        <p id="screen-text" class="small">
          <span class="muted">{t("tips.onScreen")}</span> {rows.value[0].screenText!.join(" · ")}
        </p>
      )}
      {rows.value[0]?.voice?.energy && (
        <p id="voice-energy" class="small">
          <span class="muted">{t("voice.title")}</span> {t("voice.line", {
            energy: t(`voice.energy.${rows.value[0].voice.energy}` as MessageKey),
            db: rows.value[0].voice.loudnessDb ?? "?",
            rate: rows.value[0].voice.syllablesPerSecond ?? "?",
            range: rows.value[0].voice.pitchRangeSemitones ?? "?",
          })}
          {rows.value[0].voice.emotion &&
            ` · ${t("voice.emotion", { emotion: rows.value[0].voice.emotion.emotion })}`}
        </p>
      )}
      {rows.value[0]?.recordingId && (
        <FaceTimeline
          recordingId={rows.value[0].recordingId}
          refresh={`${rows.value[0].window}-${rows.value[0].endAt}`}
        />
      )}
      <ol id="coaching-tips" class="tip-cards" aria-live="polite">
        {rows.value.flatMap((w) =>
          w.tips.map((tip, i) => (
            <li class={`tip-card tip-${tip.type}`} key={`${w.window}-${i}`} data-window={w.window}>
              <span class="tip-kind">
                <span aria-hidden="true">{ICON[tip.type] ?? "💡"}</span>{" "}
                {ICON[tip.type] ? t(`tips.kind.${tip.type}` as MessageKey) : tip.type}
              </span>
              <p>{tip.text}</p>
              <span class="muted small">{formatTime(w.endAt)} · {w.source}</span>
            </li>
          ))
        )}
      </ol>
    </section>
  );
}
