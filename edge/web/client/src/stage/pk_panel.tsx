/**
 * The PK panel of the room page: both rooms' scores (gift value during the round) as a tug
 * bar, the time left, each side's top gifters, the winner at the end, and the other room's
 * stream beside this one (a second, subscribe-only LiveKit connection to the other room).
 * The streamer and room admins invite another live room, accept or decline an invitation,
 * and end a round early (REST: `/api/pk`).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { notice } from "../notice.ts";
import { pk, type PkSide, stageRoom, stageSelf } from "./stage_store.ts";

const call = (path: string, json?: unknown) =>
  api(path, { auth: true, method: "POST", json: json ?? {} }).catch((err) =>
    notice(errorText((err as { code?: string }).code ?? "internal"))
  );

export function PkPanel() {
  const view = pk.value;
  const me = stageSelf.value;
  const [target, setTarget] = useState("");
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const active = view && view.status !== "ended";
  // No round and nothing to start one with (a viewer): no panel, not an empty heading.
  if (!me || (!view && !me.staff)) return null;
  return (
    <section class="pk-panel" aria-label={t("pk.title")}>
      <h3>{t("pk.title")}</h3>
      {view && (
        <div class="pk-board" data-status={view.status}>
          <Scores a={view.a} b={view.b} />
          {view.status === "running" && view.endsAt !== undefined && (
            <p>{t("pk.left", { s: Math.max(0, Math.ceil((view.endsAt - now) / 1000)) })}</p>
          )}
          {view.status === "invited" && <p>{t("pk.invited", { a: view.a.roomId })}</p>}
          {view.status === "ended" && (
            <p class="pk-result">
              {view.winner === "draw"
                ? t("pk.draw")
                : view.winner
                ? t("pk.winner", { room: view[view.winner].title ?? view[view.winner].roomId })
                : t("pk.ended")}
            </p>
          )}
          {view.status === "running" && <OtherStream view={view} />}
          {me.staff && view.status === "invited" && view.b.roomId === stageRoom.value && (
            <span>
              <button type="button" onClick={() => call(`/pk/${view.pkId}/accept`)}>
                {t("pk.accept")}
              </button>
              <button type="button" onClick={() => call(`/pk/${view.pkId}/decline`)}>
                {t("pk.decline")}
              </button>
            </span>
          )}
          {me.staff && view.status === "running" && (
            <button
              type="button"
              onClick={() => call(`/pk/${view.pkId}/end`)}
            >
              {t("pk.end")}
            </button>
          )}
        </div>
      )}
      {me.staff && !active && (
        <form
          class="pk-invite"
          onSubmit={(e) => {
            e.preventDefault();
            if (target) void call("/pk", { from: stageRoom.value, to: target });
          }}
        >
          <input
            aria-label={t("pk.target")}
            placeholder={t("pk.target")}
            value={target}
            onInput={(e) => setTarget((e.target as HTMLInputElement).value.trim())}
          />
          <button type="submit">{t("pk.invite")}</button>
        </form>
      )}
    </section>
  );
}

function Scores({ a, b }: { a: PkSide; b: PkSide }) {
  const sa = Number(a.score);
  const sb = Number(b.score);
  const share = sa + sb === 0 ? 50 : Math.round((100 * sa) / (sa + sb));
  return (
    <div class="pk-scores">
      <div class="pk-bar" role="img" aria-label={`${a.score} : ${b.score}`}>
        <span class="pk-a" style={{ width: `${share}%` }}>{a.score}</span>
        <span class="pk-b" style={{ width: `${100 - share}%` }}>{b.score}</span>
      </div>
      <div class="pk-tops">
        {[a, b].map((side) => (
          <ol key={side.roomId} aria-label={t("pk.top", { room: side.title ?? side.roomId })}>
            {side.top.map((g) => <li key={g.userId}>{g.name} · {g.amount}</li>)}
          </ol>
        ))}
      </div>
    </div>
  );
}

/** The other room's stream, watched over its own LiveKit room while the round runs. */
function OtherStream({ view }: { view: { a: PkSide; b: PkSide } }) {
  const other = view.a.roomId === stageRoom.value ? view.b : view.a;
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let room: { disconnect(): Promise<void> } | null = null;
    let stopped = false;
    (async () => {
      const { url, token } = await api<{ url: string; token: string }>(
        `/media/token?roomId=${encodeURIComponent(other.roomId)}`,
        { auth: true },
      );
      const LK = await import("livekit-client");
      const r = new LK.Room({ adaptiveStream: true });
      room = r;
      const media = new MediaStream();
      r.on(LK.RoomEvent.TrackSubscribed, (track) => {
        media.addTrack(track.mediaStreamTrack);
        if (ref.current) {
          ref.current.srcObject = media;
          void ref.current.play().catch(() => {});
        }
      });
      if (!stopped) await r.connect(url, token);
    })().catch(() => {});
    return () => {
      stopped = true;
      void room?.disconnect();
    };
  }, [other.roomId]);
  return <video ref={ref} class="pk-other" autoplay playsInline muted aria-label={other.roomId} />;
}
