/**
 * Highlights of the last ten minutes on a timeline (a marker per span, its width the span's
 * length) and as a list, newest first: when, why and the phrases that made it.
 */
import type { ReadonlySignal } from "@preact/signals";
import type { HighlightSpan } from "../../../../../../actors/room/contract.ts";
import { formatTime } from "../../i18n/format.ts";
import { t } from "../../i18n/i18n.ts";

export const TIMELINE_MS = 10 * 60 * 1000;

const phrases = (h: HighlightSpan) => h.topPhrases.map((p) => `${p.phrase}×${p.count}`).join(" ");
const reason = (h: HighlightSpan) =>
  h.reason.split("+").map((r) => t(r === "rate_spike" ? "highlight.spike" : "highlight.burst"))
    .join(" + ");

export function HighlightTimeline(
  { highlights, now }: { highlights: ReadonlySignal<HighlightSpan[]>; now: number },
) {
  const start = now - TIMELINE_MS;
  return (
    <div class="timeline" role="img" aria-label={t("room.timelineTitle")}>
      <div id="timeline-track" class="timeline-track">
        {highlights.value.filter((h) => h.endAt >= start).map((h) => (
          <div
            key={h.id}
            class="marker"
            title={`${reason(h)} · ${phrases(h)}`}
            style={{
              left: `${Math.max(0, ((h.startAt - start) / TIMELINE_MS) * 100)}%`,
              width: `${Math.max(0.5, ((h.endAt - h.startAt) / TIMELINE_MS) * 100)}%`,
            }}
          />
        ))}
      </div>
    </div>
  );
}

export function HighlightList({ highlights }: { highlights: ReadonlySignal<HighlightSpan[]> }) {
  const list = [...highlights.value].sort((a, b) => b.startAt - a.startAt);
  return (
    <ol id="highlights" class="highlights">
      {list.length === 0 && <li class="muted">{t("highlight.none")}</li>}
      {list.map((h) => (
        <li key={h.id}>
          <time dateTime={new Date(h.startAt).toISOString()}>{formatTime(h.startAt)}</time>
          {" · "}
          {reason(h)} · {phrases(h)}
        </li>
      ))}
    </ol>
  );
}
