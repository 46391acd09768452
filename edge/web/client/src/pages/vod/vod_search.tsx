/**
 * Search inside the VOD: what was on screen (OCR of the key frames) or said (captions)
 * matching the words typed, each hit a button that seeks the player to where it was seen
 * (`GET /api/analysis/recordings/:id/search?q=`).
 */
import { useSignal } from "@preact/signals";
import { errorSentence, t } from "../../i18n/i18n.ts";
import { clock } from "./vod.tsx";

interface Hit {
  kind: "screen" | "caption";
  text: string;
  offsetMs: number;
  untilMs: number;
}

export function VodSearch(
  { recordingId, seek }: { recordingId: string; seek: (ms: number) => void },
) {
  const hits = useSignal<Hit[] | null>(null);
  const status = useSignal("");
  const search = async (q: string) => {
    status.value = t("home.loading");
    try {
      const r = await fetch(
        `/api/analysis/recordings/${encodeURIComponent(recordingId)}/search?q=${
          encodeURIComponent(q)
        }`,
      );
      const body = await r.json().catch(() => ({}));
      if (!r.ok) {
        status.value = await errorSentence(body.error?.code ?? `http_${r.status}`);
        return;
      }
      hits.value = body.hits;
      status.value = body.hits.length === 0 ? t("vod.searchNone") : "";
    } catch {
      status.value = await errorSentence("offline");
    }
  };
  return (
    <section class="vod-search" aria-labelledby="vod-search-h">
      <h3 id="vod-search-h">{t("vod.search")}</h3>
      <form
        role="search"
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const q = String(new FormData(e.currentTarget).get("q") ?? "").trim();
          if (q) search(q);
        }}
      >
        <input
          id="vod-search-q"
          name="q"
          type="search"
          maxLength={100}
          aria-label={t("vod.search")}
          placeholder={t("vod.searchHint")}
        />
        <button type="submit" class="pill-button">{t("vod.searchGo")}</button>
      </form>
      {status.value && <p class="muted" role="status">{status.value}</p>}
      <ol id="vod-search-hits" class="chapters">
        {hits.value?.map((h) => (
          <li key={`${h.kind}-${h.offsetMs}-${h.text}`} data-offset={h.offsetMs}>
            <button
              type="button"
              class="link"
              onClick={() =>
                seek(h.offsetMs)}
            >
              <span class="at">{clock(h.offsetMs)}</span>{" "}
              <span class="muted">{t(h.kind === "screen" ? "vod.onScreen" : "vod.said")}</span>{" "}
              {h.text}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
