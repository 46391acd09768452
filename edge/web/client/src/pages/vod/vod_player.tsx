/**
 * One recording on the VOD page: the HLS player with the chat replayed over it (a toggle,
 * remembered), the timeline of segments, gaps and highlights (click to seek), highlight clips,
 * the summary and chapters (click to seek; the current one marked), captions as the video's
 * text track, the replayed chat as a list (the flying layer is aria-hidden), and a search
 * over what was on screen or said (`vod_search.tsx`).
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { Timeline, VodSpan } from "../../../../../../actors/recording/timeline.ts";
import { fly } from "../../danmaku/overlay.ts";
import { errorSentence, t } from "../../i18n/i18n.ts";
import { playHls } from "../../media_vendor.ts";
import { ChatReplay } from "./replay.ts";
import { clock } from "./vod.tsx";
import { VodSearch } from "./vod_search.tsx";
import { FaceTimeline } from "../../components/face_timeline.tsx";

const DANMAKU_PREF = "synapse.vodDanmaku";

interface Analysis {
  summary: string | null;
  chapters: { startMs: number; endMs?: number; title: string }[];
  captionsVtt: string | null;
}
interface Clip {
  highlightId: string;
  url: string;
}
type VodTimeline = Timeline & { highlights: VodSpan[] };

export function VodPlayer(
  { recordingId, notice }: { recordingId: string; notice: (s: string) => void },
) {
  const video = useRef<HTMLVideoElement>(null);
  const layer = useRef<HTMLDivElement>(null);
  const timeline = useSignal<VodTimeline | null>(null);
  const clips = useSignal<Map<string, Clip>>(new Map());
  const analysis = useSignal<Analysis | null>(null);
  const now = useSignal(0);
  const danmakuOn = useSignal(localStorage.getItem(DANMAKU_PREF) !== "off");
  const onRef = useRef(danmakuOn.value);
  onRef.current = danmakuOn.value;

  const replay = useMemo(
    () =>
      new ChatReplay(
        recordingId,
        (d) => onRef.current && layer.current && fly(layer.current, d),
        () => layer.current?.replaceChildren(),
        (code) => void errorSentence(code).then(notice),
      ),
    [recordingId],
  );

  useEffect(() => {
    const id = encodeURIComponent(recordingId);
    fetch(`/api/analysis/recordings/${id}`).then((r) => r.ok ? r.json() : null).then(
      (a) => (analysis.value = a),
      () => {},
    );
    fetch(`/api/vod/recordings/${id}/clips`).then((r) => r.ok ? r.json() : { clips: [] }).then(
      (b: { clips: Clip[] }) => (clips.value = new Map(b.clips.map((c) => [c.highlightId, c]))),
      () => {},
    );
    let hls: { destroy(): void } | null = null;
    let gone = false;
    fetch(`/api/vod/recordings/${id}`).then(async (r) => {
      const body = await r.json().catch(() => ({}));
      if (!r.ok) return notice(await errorSentence(body.error?.code ?? `http_${r.status}`));
      timeline.value = body;
      if (body.segments.length === 0 || gone || !video.current) return;
      hls = await playHls(video.current, `/api/vod/recordings/${id}/playlist.m3u8`);
      if (gone) return hls.destroy();
      video.current.play().catch(() => {});
    }).catch(() => notice(t("player.cannotPlay")));
    const v = video.current!;
    const tick = () => {
      now.value = v.currentTime * 1000;
      replay.tick(now.value);
    };
    const paused = () => {
      for (const item of layer.current?.children ?? []) {
        (item as HTMLElement).style.animationPlayState = v.paused ? "paused" : "running";
      }
    };
    v.addEventListener("timeupdate", tick);
    v.addEventListener("seeked", tick);
    v.addEventListener("pause", paused);
    v.addEventListener("play", paused);
    return () => {
      gone = true;
      hls?.destroy();
      v.removeEventListener("timeupdate", tick);
      v.removeEventListener("seeked", tick);
      v.removeEventListener("pause", paused);
      v.removeEventListener("play", paused);
    };
  }, [recordingId]);

  const seek = (ms: number) => {
    if (video.current) video.current.currentTime = ms / 1000;
  };
  const tl = timeline.value;
  const total = Math.max(1, tl?.durationMs ?? 1);
  const a = analysis.value;
  const current = a?.chapters.findLast((c) => c.startMs <= now.value);

  return (
    <div class="vod-body">
      <section class="vod-main" aria-label={t("vod.player")}>
        <div class="vod-stage">
          <video
            id="vod-video"
            class="vod-video"
            ref={video}
            controls
            muted
            playsInline
            aria-label={t("vod.player")}
          >
            {a?.captionsVtt && (
              <track kind="captions" src={a.captionsVtt} label={t("vod.captions")} default />
            )}
          </video>
          <div
            id="vod-danmaku-layer"
            class="danmaku-layer"
            aria-hidden="true"
            hidden={!danmakuOn.value}
            ref={layer}
          />
        </div>
        <div class="vod-controls">
          <button
            type="button"
            id="vod-danmaku-toggle"
            class="pill-button"
            aria-pressed={danmakuOn.value}
            onClick={() => {
              danmakuOn.value = !danmakuOn.value;
              localStorage.setItem(DANMAKU_PREF, danmakuOn.value ? "on" : "off");
              if (!danmakuOn.value) layer.current?.replaceChildren();
            }}
          >
            {t("danmaku.toggle")}
          </button>
          {tl && (
            <span class="muted">
              {clock(now.value)} / {clock(tl.durationMs)}
            </span>
          )}
        </div>
        <div id="vod-timeline" class="vod-timeline" role="group" aria-label={t("vod.timeline")}>
          {tl?.segments.map((s) => (
            <div
              key={s.seq}
              class={`seg${s.discontinuity ? " gap" : ""}`}
              title={`${clock(s.offsetMs)} · ${(s.durationMs / 1000).toFixed(1)} s`}
              style={{
                left: `${(s.offsetMs / total) * 100}%`,
                width: `${(s.durationMs / total) * 100}%`,
              }}
            />
          ))}
          {tl?.highlights.map((h) => (
            <button
              key={h.id}
              type="button"
              class="hl"
              aria-label={t("vod.highlightAt", { at: clock(h.startOffsetMs) })}
              style={{
                left: `${(h.startOffsetMs / total) * 100}%`,
                width: `${Math.max(0.5, ((h.endOffsetMs - h.startOffsetMs) / total) * 100)}%`,
              }}
              onClick={() => seek(h.startOffsetMs)}
            />
          ))}
        </div>
        {tl && tl.segments.length === 0 && <p class="muted">{t("vod.noSegments")}</p>}
        <VodSearch recordingId={recordingId} seek={seek} />
        <FaceTimeline recordingId={recordingId} seek={seek} />

        <h3>{t("vod.summary")}</h3>
        <p id="vod-summary">{a?.summary ?? t("vod.noSummary")}</p>
        <h3>{t("vod.chapters")}</h3>
        {(a?.chapters.length ?? 0) === 0 && <p class="muted">{t("vod.noChapters")}</p>}
        <ol id="vod-chapters" class="chapters">
          {a?.chapters.map((c) => (
            <li key={c.startMs} aria-current={c === current ? "true" : undefined}>
              <button
                type="button"
                class="link"
                onClick={() =>
                  seek(c.startMs)}
              >
                <span class="at">{clock(c.startMs)}</span> {c.title}
              </button>
            </li>
          ))}
        </ol>
        <h3>{t("room.highlights")}</h3>
        <ol id="vod-highlights" class="highlights">
          {tl?.highlights.length === 0 && <li class="muted">{t("vod.noHighlights")}</li>}
          {tl?.highlights.map((h) => {
            const clip = clips.value.get(h.id);
            return (
              <li key={h.id} data-highlight={h.id}>
                <button type="button" class="link" onClick={() => seek(h.startOffsetMs)}>
                  {clock(h.startOffsetMs)}–{clock(h.endOffsetMs)}
                </button>{" "}
                {clip
                  ? (
                    <a href={clip.url} class="clip" target="_blank" rel="noopener">
                      {t("vod.clip")}
                    </a>
                  )
                  : <span class="muted">{t("vod.noClip")}</span>}
              </li>
            );
          })}
        </ol>
      </section>
      <aside class="side vod-chat" aria-labelledby="vod-chat-h">
        <h3 id="vod-chat-h">{t("vod.chatReplay")}</h3>
        <ol id="vod-chat" class="chat" aria-live="off">
          {replay.said.value.length === 0 && <li class="muted">{t("vod.chatEmpty")}</li>}
          {replay.said.value.map((d) => (
            <li key={d.id}>
              <span class="at">{clock(d.offsetMs)}</span>
              <span class="who">{d.name}</span>
              <span>{d.text}</span>
            </li>
          ))}
        </ol>
      </aside>
    </div>
  );
}
