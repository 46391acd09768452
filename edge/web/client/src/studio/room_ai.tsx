/**
 * The room as the streamer runs it: the live chat (as a polite live region), hot topics, the
 * Q&A queue (pause, resume, interrupt, skip), the knowledge base (add, edit, delete) and the
 * moderation log with undo. All over the room socket's `ai` commands (edge/PROTOCOL.md).
 */
import { type ReadonlySignal, type Signal, useSignal, useSignalEffect } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { formatNumber, formatTime } from "../i18n/format.ts";
import type { QaStatus, RoomSocket } from "./room_socket.ts";

/**
 * What the Q&A, knowledge-base and moderation-log panels need of a room socket: the
 * dashboard's (room_socket.ts) and the Room page's (pages/room/connection.ts) both serve it.
 */
export interface RoomAiPort {
  readonly connected: ReadonlySignal<boolean>;
  readonly qa: Signal<QaStatus>;
  /** Bumped when the room says something an admin view should reload. */
  readonly adminChanged: ReadonlySignal<number>;
  ai<R>(cmd: Record<string, unknown>): Promise<R>;
}

const fail = (status: { value: string }) => (err: ApiError) => (status.value = errorText(err.code));

export function ChatFeed({ socket }: { socket: RoomSocket }) {
  const list = useRef<HTMLOListElement>(null);
  useSignalEffect(() => {
    void socket.chat.value;
    queueMicrotask(() => list.current?.lastElementChild?.scrollIntoView({ block: "nearest" }));
  });
  return (
    <section class="panel-card chat-feed" aria-labelledby="feed-h">
      <h2 id="feed-h">
        {t("studio.chat")}{" "}
        <span class="muted small" id="studio-viewers">
          {t("card.viewers", {
            n: formatNumber(socket.viewers.value),
            count: socket.viewers.value,
          })}
        </span>
      </h2>
      <ol id="studio-chat" ref={list} aria-live="polite" aria-relevant="additions">
        {socket.chat.value.map((d) => (
          <li key={d.id} data-user={d.userId}>
            <span class="who">{d.name}</span> <span>{d.text}</span>
          </li>
        ))}
      </ol>
      {socket.chat.value.length === 0 && <p class="muted">{t("studio.chatEmpty")}</p>}
    </section>
  );
}

export function HotTopics({ socket }: { socket: RoomSocket }) {
  const topics = socket.topics.value;
  return (
    <section class="panel-card" aria-labelledby="topics-h">
      <h2 id="topics-h">{t("studio.topics")}</h2>
      {topics.length === 0
        ? <p class="muted">{t("studio.topicsNone")}</p>
        : (
          <ul class="chips" id="hot-topics">
            {topics.map((tp) => (
              <li class="chip" key={tp.term}>
                #{tp.term} <span class="muted">{tp.count}</span>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

export function QaQueue({ socket }: { socket: RoomAiPort }) {
  const qa = socket.qa.value;
  const status = useSignal("");
  const act = (action: string, questionId?: string) =>
    socket.ai<{ qa?: typeof qa }>({ op: "qa", action, ...(questionId ? { questionId } : {}) })
      .then((r) => r.qa && (socket.qa.value = r.qa), fail(status));
  return (
    <section class="panel-card" aria-labelledby="qa-h">
      <h2 id="qa-h">{t("qa.title")}</h2>
      <p class="muted" id="qa-state">
        {qa.paused
          ? t("qa.paused")
          : qa.current
          ? t("qa.answering", { q: qa.current.text })
          : t("qa.queued", { n: qa.pending.length, count: qa.pending.length })}
      </p>
      <div class="row">
        <button type="button" class="secondary" onClick={() => act(qa.paused ? "resume" : "pause")}>
          {qa.paused ? t("qa.resume") : t("qa.pause")}
        </button>
        <button type="button" class="secondary" onClick={() => act("interrupt")}>
          {t("qa.interrupt")}
        </button>
      </div>
      <ul class="plain" id="qa-queue">
        {qa.pending.map((q) => (
          <li key={q.id}>
            {q.text} <span class="muted">×{q.askers}</span>{" "}
            <button type="button" class="secondary small" onClick={() => act("skip", q.id)}>
              {t("qa.skip")}
            </button>
          </li>
        ))}
      </ul>
      {status.value && <p class="error" role="alert">{status.value}</p>}
    </section>
  );
}

interface KbEntry {
  id: string;
  title: string;
  body: string;
}

export function KnowledgeBase({ socket }: { socket: RoomAiPort }) {
  const entries = useSignal<KbEntry[]>([]);
  const editing = useSignal<KbEntry | null>(null);
  const status = useSignal("");
  const load = () =>
    socket.ai<{ entries: KbEntry[] }>({ op: "kb_list" }).then(
      (r) => (entries.value = r.entries),
      fail(status),
    );
  useSignalEffect(() => {
    if (socket.connected.value) load();
  });
  const save = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const id = editing.value?.id;
    socket.ai({
      op: "kb_put",
      ...(id ? { id } : {}),
      entry: { title: String(data.get("title")), body: String(data.get("body")) },
    }).then(() => {
      form.reset();
      editing.value = null;
      status.value = t("kb.saved");
      load();
    }, fail(status));
  };
  const e = editing.value;
  return (
    <section class="panel-card" aria-labelledby="kb-h">
      <h2 id="kb-h">{t("kb.title")}</h2>
      <ul class="plain" id="kb-list">
        {entries.value.map((k) => (
          <li key={k.id}>
            <strong>{k.title}</strong>{" "}
            <button type="button" class="secondary small" onClick={() => (editing.value = k)}>
              {t("kb.edit")}
            </button>{" "}
            <button
              type="button"
              class="danger small"
              onClick={() => socket.ai({ op: "kb_delete", id: k.id }).then(load, fail(status))}
            >
              {t("kb.delete")}
            </button>
          </li>
        ))}
      </ul>
      {entries.value.length === 0 && <p class="muted">{t("kb.empty")}</p>}
      <form class="stack" id="kb-form" onSubmit={save} key={e?.id ?? "new"}>
        <label>
          <span>{t("kb.entryTitle")}</span>
          <input name="title" maxLength={200} required value={e?.title ?? ""} />
        </label>
        <label>
          <span>{t("kb.body")}</span>
          <textarea name="body" rows={3} required value={e?.body ?? ""} />
        </label>
        <div class="row">
          <button type="submit">{e ? t("kb.update") : t("kb.add")}</button>
          {e && (
            <button type="button" class="secondary" onClick={() => (editing.value = null)}>
              {t("kb.cancel")}
            </button>
          )}
        </div>
      </form>
      {status.value && <p class="muted" role="status">{status.value}</p>}
    </section>
  );
}

interface AuditEntry {
  id: string;
  at: number;
  action: string;
  userName: string;
  excerpt: string;
  reasons: string[];
  by: string;
  undone?: { by: string };
}

export function ModerationLog({ socket }: { socket: RoomAiPort }) {
  const audit = useSignal<AuditEntry[]>([]);
  const status = useSignal("");
  const load = () =>
    socket.ai<{ audit: AuditEntry[] }>({ op: "audit", limit: 30 }).then(
      (r) => (audit.value = r.audit),
      fail(status),
    );
  useSignalEffect(() => {
    void socket.adminChanged.value;
    if (socket.connected.value) load();
  });
  useEffect(() => {
    const timer = setInterval(() => socket.connected.value && load(), 10_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <section class="panel-card" aria-labelledby="mod-h">
      <h2 id="mod-h">{t("mod.title")}</h2>
      {audit.value.length === 0 && <p class="muted">{t("mod.empty")}</p>}
      <ol class="plain" id="mod-log">
        {audit.value.map((a) => (
          <li key={a.id} class={a.undone ? "undone" : ""}>
            <span class="muted small">{formatTime(a.at)}</span>{" "}
            <strong>
              {["hide", "warn", "mute"].includes(a.action)
                ? t(`mod.action.${a.action}` as "mod.action.hide")
                : a.action}
            </strong>{" "}
            {a.userName}: “{a.excerpt}”
            <span class="muted small">({a.reasons.join(", ")} · {a.by})</span>{" "}
            {a.undone ? <span class="muted">{t("mod.undone", { by: a.undone.by })}</span> : (
              <button
                type="button"
                class="secondary small"
                onClick={() => socket.ai({ op: "undo", auditId: a.id }).then(load, fail(status))}
              >
                {t("mod.undo")}
              </button>
            )}
          </li>
        ))}
      </ol>
      {status.value && <p class="error" role="alert">{status.value}</p>}
    </section>
  );
}
