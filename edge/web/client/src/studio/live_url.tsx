/**
 * Record a live URL (the Douyin document's API) from `/studio`: paste a Douyin or Bilibili live
 * page, or an .m3u8/.flv stream, choose the window length and quality, start
 * (`POST /api/recording/start {live_url, segment_time, quality}`); the recording's windows
 * arrive over SSE (`segment_ready`, each an MP4 to download), with notices when it pauses
 * (disk) and resumes, and its latest coaching lines (`GET /api/analysis/tips/latest`); stop
 * by `recording_id`. The last recording started here is remembered in this browser.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { accessToken, api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { formatClock } from "../i18n/format.ts";
import type { MessageKey } from "../i18n/messages_en.ts";
import { locale } from "../i18n/locale.ts";

interface Win {
  seq: number;
  path: string;
  start_ts: number;
  end_ts: number;
  url: string;
}
interface Status {
  recording_id: string;
  room_id: string;
  output: string;
  platform: string;
  anchor: string;
  segment_time: number;
  state: string;
  pause_reason?: string;
  windows: Win[];
}
interface AIScript {
  text: string;
  type: string;
  score: number;
}
interface Notice {
  message?: string;
  message_zh?: string;
}

const KEY = "synapse.liveUrlRecording";

function remembered(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function remember(id: string | null): void {
  try {
    if (id) localStorage.setItem(KEY, id);
    else localStorage.removeItem(KEY);
  } catch { /* private mode */ }
}

/** Unnamed SSE messages `{type, data}` (the Douyin document's stream). */
function openLiveEvents(
  recordingId: string,
  on: (e: { type: string; data: Record<string, unknown> }) => void,
): () => void {
  let source: EventSource | null = null;
  let closed = false;
  accessToken().then((token) => {
    if (closed || !token) return;
    source = new EventSource(
      `/api/recording/events?recording_id=${encodeURIComponent(recordingId)}&access_token=${
        encodeURIComponent(token)
      }`,
    );
    source.onmessage = (m) => on(JSON.parse(m.data));
  }, () => {});
  return () => {
    closed = true;
    source?.close();
  };
}

export function LiveUrlRecorder() {
  const id = useSignal<string | null>(remembered());
  const rec = useSignal<Status | null>(null);
  const tips = useSignal<AIScript[]>([]);
  const notice = useSignal("");
  const error = useSignal("");
  const busy = useSignal(false);
  const fail = (
    err: unknown,
  ) => (error.value = errorText(err instanceof ApiError ? err.code : "offline"));
  const noticeText = (d: Notice) =>
    (locale.value === "zh-CN" ? d.message_zh : d.message) ?? d.message ?? "";

  useEffect(() => {
    const rid = id.value;
    if (!rid) return;
    const q = encodeURIComponent(rid);
    const load = () =>
      api<Status>(`/recording/status?recording_id=${q}`, { auth: true }).then((s) => {
        rec.value = s;
        if (s.pause_reason) notice.value = t("liveRec.paused");
      }, (err) => {
        if (err instanceof ApiError && err.status === 404) {
          id.value = null;
          remember(null);
        } else fail(err);
      });
    const loadTips = () =>
      api<AIScript[]>(`/analysis/tips/latest?recording_id=${q}&limit=5`, { auth: true }).then(
        (r) => (tips.value = r),
        () => {},
      );
    void load();
    void loadTips();
    const off = openLiveEvents(rid, (e) => {
      if (e.type === "segment_ready") {
        const w = e.data as unknown as Win;
        if (rec.value && !rec.value.windows.some((x) => x.seq === w.seq)) {
          rec.value = { ...rec.value, windows: [...rec.value.windows, w] };
        }
        // The window's coaching lines follow its analysis, a little later.
        setTimeout(() => void loadTips(), 5_000);
      } else if (e.type === "recording_paused" || e.type === "recording_resumed") {
        notice.value = noticeText(e.data as Notice);
        void load();
      } else if (e.type === "recording_stopped") {
        void load();
      }
    });
    const poll = setInterval(() => void loadTips(), 30_000);
    return () => {
      off();
      clearInterval(poll);
    };
  }, [id.value]);

  const start = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    error.value = "";
    notice.value = "";
    busy.value = true;
    try {
      const r = await api<{ recording_id: string }>("/recording/start", {
        auth: true,
        json: {
          live_url: String(data.get("live_url")).trim(),
          segment_time: Number(data.get("segment_time")),
          quality: String(data.get("quality")),
          save_format: "mp4",
        },
      });
      remember(r.recording_id);
      rec.value = null;
      tips.value = [];
      id.value = r.recording_id;
    } catch (err) {
      fail(err);
    } finally {
      busy.value = false;
    }
  };
  const stop = async () => {
    if (!id.value) return;
    busy.value = true;
    try {
      rec.value = await api<Status>("/recording/stop", {
        auth: true,
        json: { recording_id: id.value },
      });
    } catch (err) {
      fail(err);
    } finally {
      busy.value = false;
    }
  };
  const download = async (w: Win) => {
    const token = await accessToken();
    if (token) location.assign(`${w.url}&access_token=${encodeURIComponent(token)}`);
  };

  const r = rec.value;
  const running = r && (r.state === "recording" || r.state === "paused");
  return (
    <section class="panel-card" aria-labelledby="live-url-h" id="live-url-recorder">
      <h2 id="live-url-h">{t("liveRec.title")}</h2>
      <p class="muted small">{t("liveRec.help")}</p>
      {!running && (
        <form class="stack" id="live-url-form" onSubmit={start}>
          <label>
            <span>{t("liveRec.url")}</span>
            <input
              name="live_url"
              type="url"
              required
              maxLength={2048}
              placeholder="https://live.douyin.com/123456789"
            />
          </label>
          <label>
            <span>{t("liveRec.window")}</span>
            <input name="segment_time" type="number" min={10} max={3600} value={300} required />
          </label>
          <label>
            <span>{t("liveRec.quality")}</span>
            <select name="quality">
              {["OD", "UHD", "HD", "SD", "LD"].map((q) => (
                <option value={q} key={q}>{t(`liveRec.q.${q}` as MessageKey)}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy.value}>{t("liveRec.start")}</button>
        </form>
      )}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {notice.value && <p class="notice" role="status" id="live-url-notice">{notice.value}</p>}
      {r && (
        <div id="live-url-status">
          <p>
            {t("liveRec.state", {
              anchor: r.anchor,
              platform: r.platform,
              state: t(`liveRec.st.${r.state}` as MessageKey),
            })} <a href={`/studio/${encodeURIComponent(r.room_id)}`}>{t("liveRec.room")}</a>
          </p>
          <p class="muted small">
            {t("liveRec.output", { output: r.output, s: r.segment_time })}
          </p>
          {running && (
            <button type="button" id="live-url-stop" onClick={stop} disabled={busy.value}>
              {t("liveRec.stop")}
            </button>
          )}
          <h3>{t("liveRec.windows")}</h3>
          {r.windows.length === 0 && <p class="muted">{t("liveRec.noWindows")}</p>}
          <ol id="live-url-windows" class="segments">
            {r.windows.map((w) => (
              <li key={w.seq} data-seq={w.seq}>
                {t("liveRec.win", {
                  seq: w.seq,
                  from: formatClock(w.start_ts),
                  to: formatClock(w.end_ts),
                })} ·{" "}
                <button type="button" class="link" onClick={() => void download(w)}>
                  {w.path.slice(w.path.lastIndexOf("/") + 1)}
                </button>
              </li>
            ))}
          </ol>
          <h3>{t("tips.title")}</h3>
          {tips.value.length === 0 && <p class="muted">{t("tips.none")}</p>}
          <ol id="live-url-tips" class="tip-cards" aria-live="polite">
            {tips.value.map((tip, i) => (
              <li class={`tip-card tip-${tip.type}`} key={i}>
                <span class="tip-kind">{t(`tips.kind.${tip.type}` as MessageKey)}</span>
                <p>{tip.text}</p>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
