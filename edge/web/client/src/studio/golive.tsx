/**
 * Go live: publish from this browser (camera and microphone, or the screen with the
 * microphone) through LiveKit (`livekit-client`, a chunk of its own loaded on the first
 * publish) with a preview, or stream from OBS with an RTMP/WHIP server URL and stream key
 * (shown on demand, copyable, rotatable). With no camera (or on request) a test pattern goes out
 * as the video (test_pattern.ts). The streamer's effects (edge/web/client/src/effects:
 * switches in `#golive-effects`) process the camera's tracks before they are published;
 * `effects.transform`, when set, is applied after them. "End stream" also tells the room
 * (`POST /rooms/:id/stream/stop`): a connection that died with a restarted livekit-server never
 * "leaves" in LiveKit's eyes.
 */
import { signal, useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { startEffects } from "../effects/effects.ts";
import { EffectsPanel } from "../effects/panel.tsx";
import { notice } from "../notice.ts";
import { noCamera, type TestPattern, testPattern } from "./test_pattern.ts";

/** `pattern`: no camera was found, a test pattern (test_pattern.ts) goes out instead. */
type Source = "camera" | "screen" | "pattern";

/** A hook for the browser effects: the stream to publish from the captured one. */
export const effects = {
  transform: null as null | ((s: MediaStream) => Promise<MediaStream> | MediaStream),
};

/** The browser publication, while live (one per page). */
export const live = signal<
  { source: Source; stop: () => Promise<void>; stream: MediaStream } | null
>(null);

/** What was captured: the camera (or the test pattern when there is none) or the screen. */
async function capture(
  source: Source,
  roomId: string,
): Promise<{ stream: MediaStream; source: Source; pattern?: TestPattern }> {
  if (source === "camera") {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      return { stream, source };
    } catch (err) {
      if (!noCamera(err)) throw err;
    }
  }
  if (source !== "screen") {
    // No camera: the test pattern, with the microphone when there is one.
    const pattern = testPattern(roomId);
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => null);
    for (const track of mic?.getAudioTracks() ?? []) pattern.stream.addTrack(track);
    return { stream: pattern.stream, source: "pattern", pattern };
  }
  const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => null);
  for (const track of mic?.getAudioTracks() ?? []) screen.addTrack(track);
  return { stream: screen, source };
}

async function publish(roomId: string, source: Source): Promise<void> {
  const { url, token } = await api<{ url: string; token: string }>(
    `/media/token?roomId=${encodeURIComponent(roomId)}&role=streamer`,
    { auth: true },
  );
  const LK = await import("livekit-client");
  const got = await capture(source, roomId);
  const captured = got.stream;
  source = got.source;
  if (source === "pattern") notice(t("golive.noCamera"));
  const fx = source === "camera" ? await startEffects(captured, { onNotice: notice }) : undefined;
  const processed = fx?.stream ?? captured;
  const stream = effects.transform ? await effects.transform(processed) : processed;
  const room = new LK.Room();
  try {
    await room.connect(url, token);
    for (const track of stream.getTracks()) {
      await room.localParticipant.publishTrack(track, {
        source: track.kind === "audio"
          ? LK.Track.Source.Microphone
          : source === "screen"
          ? LK.Track.Source.ScreenShare
          : LK.Track.Source.Camera,
      });
    }
  } catch (err) {
    fx?.stop();
    got.pattern?.stop();
    captured.getTracks().forEach((tr) => tr.stop());
    await room.disconnect();
    throw err;
  }
  live.value = {
    source,
    stream,
    stop: async () => {
      // bounded: a client still reconnecting to a restarted livekit-server must not hang here
      await Promise.race([room.disconnect(), new Promise((r) => setTimeout(r, 5000))])
        .catch(() => {});
      fx?.stop();
      got.pattern?.stop();
      captured.getTracks().forEach((tr) => tr.stop());
      stream.getTracks().forEach((tr) => tr.stop());
      live.value = null;
      await api(`/rooms/${encodeURIComponent(roomId)}/stream/stop`, { method: "POST", auth: true })
        .catch(() => {}); // an ad-hoc room has no stream record
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof ApiError) return errorText(err.code);
  if (err instanceof DOMException && err.name === "NotAllowedError") return t("golive.denied");
  return t("golive.failed", { reason: err instanceof Error ? err.message : String(err) });
}

export function BrowserPublish({ roomId }: { roomId: string }) {
  const status = useSignal("");
  const busy = useSignal(false);
  const video = useRef<HTMLVideoElement>(null);
  const now = live.value;

  useEffect(() => {
    if (video.current) video.current.srcObject = now?.stream ?? null;
  }, [now]);

  const start = async (source: Source) => {
    busy.value = true;
    status.value = t("golive.starting");
    try {
      await publish(roomId, source);
      status.value = "";
    } catch (err) {
      status.value = describe(err);
    } finally {
      busy.value = false;
    }
  };

  return (
    <section class="panel-card golive" aria-labelledby="golive-h">
      <h2 id="golive-h">{t("golive.title")}</h2>
      <div class="preview-box">
        <video
          id="golive-preview"
          ref={video}
          autoPlay
          muted
          playsInline
          aria-label={t("golive.preview")}
        />
        {!now && <p class="preview-empty">{t("golive.previewEmpty")}</p>}
        {now && <span class="live-badge">{t("card.live")}</span>}
      </div>
      <p id="golive-status" class="muted" role="status" data-state={now ? "live" : "idle"}>
        {now
          ? t(
            now.source === "screen"
              ? "golive.liveScreen"
              : now.source === "pattern"
              ? "golive.livePattern"
              : "golive.liveCamera",
          )
          : status.value}
      </p>
      <div id="golive-effects" class="effects-slot">
        <EffectsPanel />
      </div>
      <div class="row">
        {!now && (
          <>
            <button
              type="button"
              id="go-live-btn"
              disabled={busy.value}
              onClick={() => start("camera")}
            >
              {t("golive.camera")}
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy.value}
              onClick={() => start("screen")}
            >
              {t("golive.screen")}
            </button>
            <button
              type="button"
              id="go-live-pattern"
              class="secondary"
              disabled={busy.value}
              onClick={() => start("pattern")}
            >
              {t("golive.pattern")}
            </button>
          </>
        )}
        {now && (
          <button type="button" id="end-stream-btn" class="danger" onClick={() => now.stop()}>
            {t("golive.end")}
          </button>
        )}
      </div>
    </section>
  );
}

interface Ingress {
  ingressId: string;
  kind: "rtmp" | "whip";
  url: string;
  streamKey: string;
}

function CopyField({ label, value, secret }: { label: string; value: string; secret?: boolean }) {
  const shown = useSignal(!secret);
  return (
    <div class="ingress-field">
      <label>
        <span>{label}</span>
        {shown.value
          ? <input readOnly value={value} type="text" />
          : <input readOnly value={value} type="password" />}
      </label>
      {secret && (
        <button class="secondary" type="button" onClick={() => (shown.value = !shown.value)}>
          {shown.value ? t("golive.hide") : t("golive.show")}
        </button>
      )}
      <button
        class="secondary"
        type="button"
        onClick={() => navigator.clipboard?.writeText(value)}
        aria-label={`${t("golive.copy")}: ${label}`}
      >
        {t("golive.copy")}
      </button>
    </div>
  );
}

export function ObsIngress({ roomId }: { roomId: string }) {
  const items = useSignal<Ingress[] | null>(null);
  const status = useSignal("");
  const load = async () => {
    try {
      items.value = (await api<{ ingress: Ingress[] }>(
        `/media/ingress?roomId=${encodeURIComponent(roomId)}`,
        { auth: true },
      )).ingress;
      status.value = "";
    } catch (err) {
      items.value = [];
      status.value = describe(err);
    }
  };
  useEffect(() => void load(), [roomId]);
  const act = async (path: string, json: unknown, ask?: string) => {
    if (ask && !confirm(ask)) return;
    try {
      await api(path, { auth: true, json });
      await load();
    } catch (err) {
      status.value = describe(err);
    }
  };
  return (
    <section class="panel-card" aria-labelledby="obs-h">
      <h2 id="obs-h">{t("golive.obsTitle")}</h2>
      <p class="muted">{t("golive.obsHelp")}</p>
      {items.value?.map((ing) => (
        <div class="ingress-item" key={ing.ingressId}>
          <strong>{ing.kind.toUpperCase()}</strong>
          <CopyField label={t("golive.serverUrl")} value={ing.url} />
          <CopyField label={t("golive.streamKey")} value={ing.streamKey} secret />
          <button
            type="button"
            class="secondary"
            onClick={() =>
              act(
                "/media/ingress/rotate",
                { roomId, ingressId: ing.ingressId },
                t("golive.rotateConfirm"),
              )}
          >
            {t("golive.rotate")}
          </button>
        </div>
      ))}
      <div class="row">
        {(["rtmp", "whip"] as const).map((kind) => (
          <button
            type="button"
            class="secondary"
            key={kind}
            onClick={() => act("/media/ingress", { roomId, kind })}
          >
            {t("golive.newIngress", { kind: kind.toUpperCase() })}
          </button>
        ))}
      </div>
      {status.value && <p class="muted" role="status">{status.value}</p>}
    </section>
  );
}
