/**
 * The meeting page (`/m/:roomId`, `?invite=` from an invite link, `#key=` the E2EE key):
 * join (signed in, or a guest with an invite), the waiting-room screen until the host admits,
 * then the grid of participants with microphone, camera, screen share, raise hand and leave;
 * chat on the room's socket, live captions with their speakers; for the host and co-hosts the
 * waiting room (admit, admit all, deny), each member's mute, remove and co-host switch, invite
 * links, the waiting-room and E2EE switches and End. After the end: the attendance list and
 * the summary, labelled with where it came from. The server decides every step; this page
 * only shows what it answers (`GET|POST /api/rooms/:id/meeting`, PROTOCOL.md "Meeting rooms").
 */
import "../../styles/media.css";
import "../../styles/danmaku.css";
import "../../styles/stage.css";
import "../../styles/room.css";
import "../../styles/room_tools.css";
import "../../styles/meeting.css";
import { useEffect, useRef, useState } from "preact/hooks";
import type {
  AttendanceRow,
  MeetingOp,
  MeetingReply,
  MeetingSummary,
  MeetingView,
} from "../../../../../../actors/room/meeting_contract.ts";
import type { Danmaku, RoomEvent } from "../../../../../../actors/room/contract.ts";
import type {
  MeetingRecord,
  MeetingRecordBrief,
} from "../../../../../../actors/room/meeting_archive.ts";
import { errorSentence, errorText, t } from "../../i18n/i18n.ts";
import { socketIdentity } from "../../socket_identity.ts";
import type { RoomConnection } from "../room/connection.ts";
import { joinMeetingMedia, type MeetingMedia, newE2eeKey } from "./meeting_media.ts";

type Op = { op: MeetingOp["op"] } & Record<string, unknown>;

async function call(roomId: string, body?: Op): Promise<MeetingReply> {
  const { token } = await socketIdentity();
  const res = await fetch(`/api/rooms/${encodeURIComponent(roomId)}/meeting`, {
    method: body ? "POST" : "GET",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json?.error?.code ?? "internal");
  return json as MeetingReply;
}

/** A GET of the meeting history; null when refused (not the room's host) or unavailable. */
async function getHistory<T>(path: string): Promise<T | null> {
  const { token } = await socketIdentity();
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  return res.ok ? await res.json() as T : null;
}

const keyStore = (roomId: string) => `synapse.meetingKey.${roomId}`;

/** The E2EE key: from the link's fragment (remembered), or the one this browser made. */
function e2eeKeyOf(roomId: string): string | null {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromLink) localStorage.setItem(keyStore(roomId), fromLink);
  return fromLink ?? localStorage.getItem(keyStore(roomId));
}

const time = (ms?: number) => (ms ? new Date(ms).toLocaleTimeString() : "—");

/** A meeting's summary: its source, overview, decisions and action items with their people. */
function SummaryView({ summary }: { summary: MeetingSummary }) {
  return (
    <div class="meeting-summary" data-source={summary.source}>
      <p class="muted">{t(`meeting.source.${summary.source}`)}</p>
      <p>{summary.overview}</p>
      <h4>{t("meeting.decisions")}</h4>
      <ul>{summary.decisions.map((d, i) => <li key={i}>{d.text} — {d.by}</li>)}</ul>
      <h4>{t("meeting.actions")}</h4>
      <ul>{summary.actionItems.map((a, i) => <li key={i}>{a.owner}: {a.text}</li>)}</ul>
    </div>
  );
}

/** Who attended, one row per stay (the running meeting's and a past one's). */
function AttendanceTable({ rows, id }: { rows: AttendanceRow[]; id?: string }) {
  return (
    <table class="meeting-attendance" id={id}>
      <thead>
        <tr>
          <th>{t("meeting.who")}</th>
          <th>{t("meeting.joined")}</th>
          <th>{t("meeting.left")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((a) => (
          <tr key={`${a.userId}-${a.joinedAt}`}>
            <td>{a.name}</td>
            <td>{time(a.joinedAt)}</td>
            <td>{time(a.leftAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Meeting(
  { roomId, connect }: {
    roomId: string;
    /** The room's socket (the entry's RoomConnection, so the page shares its code). */
    connect: (onNotice: (text: string) => void) => RoomConnection;
  },
) {
  const [reply, setReply] = useState<MeetingReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chat, setChat] = useState<Danmaku[]>([]);
  const [text, setText] = useState("");
  const [link, setLink] = useState<string | null>(null);
  const [myId, setMyId] = useState<string | null>(null);
  const [media, setMedia] = useState<MeetingMedia | null>(null);
  const [on, setOn] = useState({ camera: true, mic: true, screen: false });
  const grid = useRef<HTMLDivElement>(null);
  const socket = useRef<RoomConnection | null>(null);
  const stopWatching = useRef<(() => void) | null>(null);
  /** Why the server closed the room's socket (shown; the page does not reconnect). */
  const [socketDown, setSocketDown] = useState<"removed" | null>(null);
  /** Where the last answer placed us: waiting → none means the host denied the entry. */
  const lastMe = useRef<MeetingReply["me"] | null>(null);
  const [denied, setDenied] = useState(false);
  /** Past meetings (the host's; null for others) and the one opened. */
  const [past, setPast] = useState<MeetingRecordBrief[] | null>(null);
  const [opened, setOpened] = useState<MeetingRecord | null>(null);
  const invite = new URLSearchParams(location.search).get("invite") ?? undefined;
  const me = reply?.me ?? "none";
  const member = me === "host" || me === "cohost" || me === "participant";
  const manager = me === "host" || me === "cohost";
  const view = reply?.view as Partial<MeetingView> & MeetingReply["view"] | undefined;

  const run = async (body?: Op) => {
    try {
      const r = await call(roomId, body);
      if (lastMe.current === "waiting" && r.me === "none" && body?.op !== "leave") setDenied(true);
      if (body?.op === "join") setDenied(false);
      lastMe.current = r.me;
      setReply(r);
      setError(null);
      return r;
    } catch (err) {
      setError(await errorSentence((err as Error).message));
      return null;
    }
  };

  // the host's meeting history, again after each end (the server refuses anyone else)
  useEffect(() => {
    if (view?.status === "running") return;
    void getHistory<{ meetings: MeetingRecordBrief[] }>(
      `/api/rooms/${encodeURIComponent(roomId)}/meetings`,
    ).then((r) => setPast(r?.meetings ?? null), () => {});
  }, [view?.status, view?.summary?.at]);
  const openPast = async (meetingId: string) => {
    setOpened(
      await getHistory<MeetingRecord>(
        `/api/rooms/${encodeURIComponent(roomId)}/meetings/${encodeURIComponent(meetingId)}`,
      ),
    );
  };

  // the state now, and again every few seconds while waiting or after the end
  useEffect(() => {
    void socketIdentity().then((s) => setMyId(s.identity.userId), () => {});
    void run();
  }, []);
  useEffect(() => {
    if (member && view?.status === "running") return;
    const timer = setInterval(() => void run(), 3_000);
    return () => clearInterval(timer);
  }, [member, view?.status]);

  // admitted: the room's socket (chat, meeting events) and the media
  useEffect(() => {
    if (!member || view?.status !== "running" || socket.current) return;
    const conn = connect((n) => setError(n));
    socket.current = conn;
    conn.listen({
      event(e: RoomEvent) {
        if (e.t === "danmaku") setChat((c) => [...c.slice(-99), e.d]);
        if (e.t === "meeting") void run();
      },
    });
    // removed by the host: the server closed the socket (4410) and refuses a new one
    const unwatch = conn.conn.subscribe((c) => {
      if (c.state !== "down" || c.why !== "removed") return;
      setSocketDown("removed");
      void run();
    });
    conn.start();
    stopWatching.current = unwatch;
    void (async () => {
      const { token } = await socketIdentity();
      const res = await fetch(`/api/media/token?roomId=${encodeURIComponent(roomId)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const access = await res.json();
      if (!res.ok) return setError(await errorSentence(access?.error?.code ?? "internal"));
      let key = access.e2ee ? e2eeKeyOf(roomId) : null;
      if (access.e2ee && !key) return setError(t("meeting.e2eeNoKey"));
      if (!access.e2ee) key = null;
      setMedia(await joinMeetingMedia(grid.current!, access, key, () => setMedia(null)));
    })().catch((err) => setError(String(err)));
  }, [member, view?.status]);
  // out of the meeting (removed, left, ended): close the socket and the media
  useEffect(() => {
    if (member && view?.status === "running") return;
    stopWatching.current?.();
    stopWatching.current = null;
    socket.current?.stop();
    socket.current = null;
    void media?.close();
  }, [member, view?.status]);

  const toggle = async (what: "camera" | "mic" | "screen") => {
    if (media) setOn({ ...on, [what]: await media.toggle(what).catch(() => on[what]) });
  };
  const makeInvite = async () => {
    const r = await run({ op: "invite", minutes: 24 * 60 });
    if (!r?.invite) return;
    const key = view?.e2ee ? e2eeKeyOf(roomId) : null;
    const url = `${location.origin}/m/${roomId}?invite=${encodeURIComponent(r.invite.token)}` +
      (key ? `#key=${key}` : "");
    setLink(url);
  };
  const setE2ee = async (e2ee: boolean) => {
    if (e2ee && !e2eeKeyOf(roomId)) localStorage.setItem(keyStore(roomId), newE2eeKey());
    await run({ op: "settings", e2ee });
  };
  const mine = view?.members?.find((m) => m.userId === myId);

  return (
    <div
      class="meeting-page"
      data-me={me}
      data-status={view?.status ?? "loading"}
      data-socket={socketDown ?? undefined}
    >
      <header class="meeting-head">
        <h2>{t("meeting.title")}</h2>
        {view?.e2ee && (
          <p class="meeting-e2ee" role="note">
            <strong>{t("meeting.e2ee")}</strong> {t("meeting.e2eeConsequence")}
          </p>
        )}
        {error && <p class="meeting-error" role="alert">{error}</p>}
      </header>

      {!reply
        ? <p>{t("meeting.loading")}</p>
        : me === "none" && view?.status !== "ended"
        ? (
          <section class="meeting-join">
            {denied && <p class="meeting-denied" role="status">{t("meeting.denied")}</p>}
            <button type="button" id="meeting-join" onClick={() => run({ op: "join", invite })}>
              {t("meeting.join")}
            </button>
          </section>
        )
        : me === "waiting"
        ? (
          <section class="meeting-waiting" id="meeting-waiting">
            <p>{t("meeting.waiting")}</p>
            <button type="button" onClick={() => run({ op: "leave" })}>{t("meeting.leave")}</button>
          </section>
        )
        : me === "removed"
        ? <p class="meeting-removed" role="alert">{errorText("meeting_removed")}</p>
        : null}

      {member && view?.status === "running" && (
        <div class="meeting-live">
          <div class="meeting-grid" id="meeting-grid" ref={grid} />
          <div class="meeting-controls">
            <button type="button" aria-pressed={on.mic} onClick={() => toggle("mic")}>
              {t(on.mic ? "meeting.micOff" : "meeting.micOn")}
            </button>
            <button type="button" aria-pressed={on.camera} onClick={() => toggle("camera")}>
              {t(on.camera ? "meeting.cameraOff" : "meeting.cameraOn")}
            </button>
            <button type="button" id="meeting-screen" onClick={() => toggle("screen")}>
              {t(on.screen ? "meeting.screenStop" : "meeting.screenShare")}
            </button>
            <button
              type="button"
              id="meeting-hand"
              aria-pressed={!!mine?.handAt}
              onClick={() => run({ op: "hand", up: !mine?.handAt })}
            >
              {t("meeting.hand")}
            </button>
            <button type="button" onClick={() => run({ op: "leave" })}>{t("meeting.leave")}</button>
            {manager && (
              <button
                type="button"
                id="meeting-end"
                class="danger"
                onClick={() => run({ op: "end" })}
              >
                {t("meeting.end")}
              </button>
            )}
          </div>
          <aside class="meeting-side">
            <h3>{t("meeting.members", { n: view.members?.length ?? 0 })}</h3>
            <ul class="meeting-members" id="meeting-members">
              {view.members?.map((m) => (
                <li key={m.userId} data-user={m.userId}>
                  {m.handAt ? "✋ " : ""}
                  {m.name} <span class="muted">{t(`meeting.role.${m.role}`)}</span>
                  {manager && m.role === "participant" && (
                    <span class="meeting-member-tools">
                      <button
                        type="button"
                        onClick={() => run({ op: "mute", userId: m.userId, source: "mic" })}
                      >
                        {t("meeting.mute")}
                      </button>
                      {m.handAt && (
                        <button
                          type="button"
                          onClick={() => run({ op: "lower_hand", userId: m.userId })}
                        >
                          {t("meeting.lowerHand")}
                        </button>
                      )}
                      {me === "host" && (
                        <button
                          type="button"
                          onClick={() => run({ op: "cohost", userId: m.userId, on: true })}
                        >
                          {t("meeting.makeCohost")}
                        </button>
                      )}
                      <button
                        type="button"
                        class="danger"
                        onClick={() => run({ op: "remove", userId: m.userId })}
                      >
                        {t("meeting.remove")}
                      </button>
                    </span>
                  )}
                </li>
              ))}
            </ul>
            {manager && (
              <section class="meeting-host">
                <h3>{t("meeting.waitingRoom", { n: view.waiting?.length ?? 0 })}</h3>
                <ul id="meeting-waiting-list">
                  {view.waiting?.map((w) => (
                    <li key={w.userId} data-user={w.userId}>
                      {w.name}{" "}
                      <button
                        type="button"
                        class="admit"
                        onClick={() => run({ op: "admit", userId: w.userId })}
                      >
                        {t("meeting.admit")}
                      </button>{" "}
                      <button type="button" onClick={() => run({ op: "deny", userId: w.userId })}>
                        {t("meeting.deny")}
                      </button>
                    </li>
                  ))}
                </ul>
                {!!view.waiting?.length && (
                  <button
                    type="button"
                    id="meeting-admit-all"
                    onClick={() => run({ op: "admit_all" })}
                  >
                    {t("meeting.admitAll")}
                  </button>
                )}
                <label>
                  <input
                    type="checkbox"
                    checked={view.waitingRoom}
                    onChange={(e) =>
                      run({ op: "settings", waitingRoom: (e.target as HTMLInputElement).checked })}
                  />{" "}
                  {t("meeting.waitingRoomOn")}
                </label>
                <button type="button" id="meeting-invite" onClick={makeInvite}>
                  {t("meeting.invite")}
                </button>
                {link && (
                  <input
                    class="meeting-link"
                    readOnly
                    value={link}
                    onFocus={(e) => (e.target as HTMLInputElement).select()}
                  />
                )}
              </section>
            )}
            <h3>{t("meeting.captions")}</h3>
            <ol class="meeting-captions" id="meeting-captions">
              {view.captions?.map((l) => (
                <li key={`${l.at}-${l.userId}`}>
                  <strong>{l.name}:</strong> {l.text}
                </li>
              ))}
            </ol>
            <h3>{t("meeting.chat")}</h3>
            <ol class="meeting-chat" id="meeting-chat">
              {chat.map((d) => (
                <li key={d.id}>
                  <strong>{d.name}:</strong> {d.text}
                </li>
              ))}
            </ol>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (text.trim() && socket.current?.send({ type: "say", text })) setText("");
              }}
            >
              <input
                id="meeting-say"
                value={text}
                maxLength={200}
                placeholder={t("meeting.say")}
                onInput={(e) => setText((e.target as HTMLInputElement).value)}
              />
            </form>
          </aside>
        </div>
      )}

      {(manager || reply?.manage) && view?.status !== "running" && (
        <label class="meeting-e2ee-switch">
          <input
            type="checkbox"
            id="meeting-e2ee"
            checked={view?.e2ee}
            onChange={(e) => setE2ee((e.target as HTMLInputElement).checked)}
          />{" "}
          {t("meeting.e2eeSwitch")}
        </label>
      )}

      {view?.status === "ended" && view.attendance && (
        <section class="meeting-after" id="meeting-after">
          <h3>{t("meeting.summary")}</h3>
          {view.summary
            ? <SummaryView summary={view.summary} />
            : <p>{t("meeting.summaryPending")}</p>}
          <h3>{t("meeting.attendance")}</h3>
          <AttendanceTable rows={view.attendance} id="meeting-attendance" />
        </section>
      )}

      {past && past.length > 0 && view?.status !== "running" && (
        <section class="meeting-history" id="meeting-history">
          <h3>{t("meeting.history")}</h3>
          <ul>
            {past.map((p) => (
              <li key={p.meetingId} data-meeting={p.meetingId}>
                <button
                  type="button"
                  onClick={() => openPast(p.meetingId)}
                >
                  {new Date(p.startedAt).toLocaleString()} – {time(p.endedAt)}
                </button>{" "}
                <span class="muted">
                  {t("meeting.historyAttendees", { n: p.attendees })}
                  {p.e2ee ? ` · ${t("meeting.e2ee")}` : ""}
                </span>
                {p.overview && <p class="meeting-history-overview">{p.overview}</p>}
              </li>
            ))}
          </ul>
          {opened && (
            <div
              class="meeting-history-one"
              id="meeting-history-one"
              data-meeting={opened.meetingId}
            >
              {opened.summary && <SummaryView summary={opened.summary} />}
              <AttendanceTable rows={opened.attendance} />
            </div>
          )}
        </section>
      )}
    </div>
  );
}
