/**
 * The Room page's AI panel: where the answers come from (a model or the local heuristics), the
 * chat's mood now (a meter), hot topics, the assistant's answers with their citations and the
 * Q&A queue's state. Room admins also get the queue's controls, who is muted now (with
 * Unmute), the knowledge base and the moderation log with undo — the dashboard's own panels
 * (studio/room_ai.tsx), fed by this page's socket. Live updates come from the batch events
 * `mood`, `topics`, `assistant`, `assistant_stop`, `qa`, `retract`, `moderation` and
 * `ai_notice` (edge/PROTOCOL.md).
 */
import { computed, signal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { RoomEvent } from "../../../../../../actors/room/contract.ts";
import { formatNumber } from "../../i18n/format.ts";
import { catalogueReady, t } from "../../i18n/i18n.ts";
import { lazyComponent } from "../../components/lazy.tsx";
import type { RoomAiPort } from "../../studio/room_ai.tsx";
import type { MoodPoint, QaStatus, Topic } from "../../studio/room_socket.ts";
import type { RoomConnection } from "./connection.ts";

interface Answer {
  id: string;
  question: string;
  askers: number;
  text: string;
  source: string;
  citation: { title: string; chunkId: string };
}
interface Mute {
  userId: string;
  until: number;
  by: string;
  source: string;
}
interface AiState {
  llm: { configured: boolean; model?: string; breaker?: string };
  mood: MoodPoint[];
  moodNow: MoodPoint | null;
  topics?: { topics: Topic[] };
  answers: Answer[];
  qa: QaStatus;
  admin?: { mutes?: Mute[] };
}

/** The panel's view of the room: the AI's state as signals, kept current by the socket. */
/** The room admins' tools (the dashboard's panels): a chunk loaded only for an admin. */
const AiAdmin = lazyComponent(() =>
  Promise.all([import("./ai_admin.tsx"), catalogueReady("work")]).then(([m]) => m.AiAdmin)
);

export class RoomAi implements RoomAiPort {
  readonly qa = signal<QaStatus>({ paused: false, current: null, pending: [] });
  readonly adminChanged = signal(0);
  readonly connected = computed(() => this.room.conn.value.state === "connected");
  readonly source = signal("");
  readonly mood = signal<MoodPoint | null>(null);
  readonly topics = signal<Topic[]>([]);
  readonly answers = signal<Answer[]>([]);
  readonly mutes = signal<Mute[] | null>(null);

  constructor(readonly room: RoomConnection) {}

  ai<R>(cmd: Record<string, unknown>): Promise<R> {
    return this.room.ai<R>(cmd);
  }

  refresh(): void {
    // a refresh that fails says nothing (the next one retries)
    this.room.ai<AiState>({ op: "state" }, { quiet: true }).then((s) => {
      this.source.value = s.llm.configured
        ? t("ai.model", { model: s.llm.model ?? "", breaker: s.llm.breaker ?? "" })
        : t("ai.local");
      this.mood.value = s.moodNow ?? s.mood.at(-1) ?? null;
      this.topics.value = s.topics?.topics ?? [];
      this.answers.value = s.answers.slice(-8);
      this.qa.value = s.qa;
      this.mutes.value = s.admin?.mutes ?? null;
    }, () => {});
  }

  onEvent(e: RoomEvent, notice: (s: string) => void): void {
    switch (e.t) {
      case "mood":
        this.mood.value = e.m;
        break;
      case "topics":
        this.topics.value = e.topics;
        break;
      case "assistant":
        this.answers.value = [...this.answers.value, e.a as Answer].slice(-8);
        break;
      case "assistant_stop":
        this.answers.value = this.answers.value.filter((a) => a.id !== e.answerId);
        break;
      case "qa":
        this.qa.value = e.status as QaStatus;
        break;
      case "retract":
      case "moderation":
        this.adminChanged.value++;
        if (this.room.canModerate()) this.refresh();
        break;
      case "ai_notice":
        if (e.to === this.room.me.value?.userId) notice(`🛡️ ${e.text}`);
        // A mute the AI set, lifted or undone: the admins' list of mutes changed.
        if (this.room.canModerate()) this.refresh();
        break;
    }
  }
}

const moodKey = (mean: number) =>
  mean > 0.15 ? "ai.moodPositive" : mean < -0.15 ? "ai.moodNegative" : "ai.moodNeutral";

/** Time left until `until` (ms since the epoch), rounded up: "45 s", "9 min", "2 h". */
export function timeLeft(until: number): string {
  const s = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  if (s < 120) return t("ai.seconds", { n: s });
  return s < 7200
    ? t("ai.minutes", { n: Math.ceil(s / 60) })
    : t("ai.hours", { n: Math.ceil(s / 3600) });
}

export function RoomAiPanel(
  { room, notice }: { room: RoomConnection; notice: (s: string) => void },
) {
  const ai = useMemo(() => new RoomAi(room), [room]);
  useEffect(() => {
    let poll: ReturnType<typeof setInterval> | undefined;
    const stop = room.listen({
      welcome: () => {
        ai.refresh();
        clearInterval(poll);
        // Admins see mutes run out and the AI moderator's actions without reloading.
        poll = setInterval(() => room.canModerate() && ai.refresh(), 5_000);
      },
      event: (e) => ai.onEvent(e, notice),
    });
    if (room.conn.value.state === "connected") ai.refresh();
    return () => {
      stop();
      clearInterval(poll);
    };
  }, [ai]);
  // Read so the panel re-renders when who may moderate changes (welcome, settings).
  void room.me.value;
  void room.settings.value;
  const admin = room.canModerate();
  const mood = ai.mood.value;
  const qa = ai.qa.value;
  return (
    <section id="ai-panel" class="ai-panel" aria-labelledby="ai-h">
      <h3 id="ai-h">{t("ai.title")}</h3>
      <p id="ai-source" class="muted small">{ai.source.value}</p>
      <h4>{t("ai.mood")}</h4>
      {mood
        ? (
          <p class="ai-mood">
            <meter
              min={-1}
              max={1}
              low={-0.15}
              high={0.15}
              optimum={1}
              value={mood.mean}
              aria-label={t("ai.mood")}
            />{" "}
            {t("ai.moodLine", { mood: t(moodKey(mood.mean)), n: mood.count, count: mood.count })}
          </p>
        )
        : <p class="muted">{t("ai.noChat")}</p>}
      <h4>{t("ai.topics")}</h4>
      {ai.topics.value.length === 0
        ? <p class="muted">{t("ai.noTopics")}</p>
        : (
          <ul class="ai-topics">
            {ai.topics.value.map((tp) => (
              <li key={tp.term} class="ai-topic">
                #{tp.term} <span class="muted">{formatNumber(tp.count)}</span>
              </li>
            ))}
          </ul>
        )}
      <h4>{t("ai.assistant")}</h4>
      {!admin && (
        <p class="muted ai-qa">
          {qa.paused
            ? t("ai.paused")
            : qa.current
            ? t("ai.answering", { text: qa.current.text })
            : t("ai.queued", { n: qa.pending.length, count: qa.pending.length })}
        </p>
      )}
      <ol class="ai-answers">
        {ai.answers.value.slice().reverse().map((a) => (
          <li key={a.id} data-answer={a.id}>
            <div class="ai-q">❓ {a.question}{a.askers > 1 ? ` (×${a.askers})` : ""}</div>
            <div class="ai-a">🤖 {a.text}</div>
            <div class="ai-cite muted">
              {t("ai.source", { title: a.citation.title, chunk: a.citation.chunkId, by: a.source })}
            </div>
          </li>
        ))}
      </ol>
      {admin && (
        <div class="ai-admin">
          <AiAdmin ai={ai} />
        </div>
      )}
    </section>
  );
}
