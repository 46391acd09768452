/**
 * The streamer's face over a recording as a timeline: one cell per analysed key frame, its
 * colour and emoji the largest face's expression (grey: no face), a line in short (on camera,
 * mostly…, smiling…). `GET /api/analysis/recordings/:id/faces`; with `seek` each cell seeks
 * the VOD player to its frame. Shown on the VOD page and the dashboard's Live tab.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { t } from "../i18n/i18n.ts";
import type { MessageKey } from "../i18n/messages_en.ts";

interface FaceFrame {
  window: number;
  frame: number;
  offsetMs: number;
  faces: number;
  expression: string | null;
}
interface FacesAnswer {
  summary: {
    frames: number;
    withFace: number;
    presentRatio: number;
    dominant: string | null;
    smileRatio: number;
  };
  frames: FaceFrame[];
}

const EMOJI: Record<string, string> = {
  happy: "😊",
  neutral: "😐",
  surprise: "😮",
  sad: "😟",
  angry: "😠",
  fear: "😨",
  disgust: "😒",
};

const pct = (v: number) => `${Math.round(v * 100)}%`;
const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

export function expressionName(e: string | null): string {
  return e && EMOJI[e] ? t(`faces.expr.${e}` as MessageKey) : t("faces.noFace");
}

export function FaceTimeline(
  { recordingId, seek, refresh }: {
    recordingId: string;
    seek?: (ms: number) => void;
    /** Changes when a new window was analysed (fetch again). */
    refresh?: unknown;
  },
) {
  const data = useSignal<FacesAnswer | null>(null);
  useEffect(() => {
    let stop = false;
    fetch(`/api/analysis/recordings/${encodeURIComponent(recordingId)}/faces`)
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => {
        if (!stop) data.value = body;
      }, () => {});
    return () => {
      stop = true;
    };
  }, [recordingId, refresh]);
  const d = data.value;
  if (!d || d.frames.length === 0) return null;
  const s = d.summary;
  return (
    <section class="face-timeline" aria-labelledby="faces-h">
      <h3 id="faces-h">{t("faces.title")}</h3>
      <p id="faces-summary" class="small">
        {s.withFace === 0 ? t("faces.noneSeen") : t("faces.summary", {
          present: pct(s.presentRatio),
          expression: expressionName(s.dominant),
          smile: pct(s.smileRatio),
        })}
      </p>
      <ol id="faces-cells" class="face-cells">
        {d.frames.map((f) => {
          const label = `${clock(f.offsetMs)} ${expressionName(f.faces > 0 ? f.expression : null)}`;
          const body = (
            <span aria-hidden="true">
              {f.faces > 0 && f.expression ? EMOJI[f.expression] ?? "🙂" : "·"}
            </span>
          );
          return (
            <li
              key={`${f.window}-${f.frame}`}
              class={`face-cell face-${f.faces > 0 ? f.expression ?? "unknown" : "none"}`}
              data-expression={f.faces > 0 ? f.expression ?? "" : "none"}
              title={label}
            >
              {seek
                ? (
                  <button
                    type="button"
                    class="link"
                    aria-label={label}
                    onClick={() => seek(f.offsetMs)}
                  >
                    {body}
                  </button>
                )
                : <span role="img" aria-label={label}>{body}</span>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
