/**
 * The room admins' part of the Room page's AI panel (a chunk of its own, loaded only for those
 * who may moderate): the Q&A queue's controls, who is muted now with Unmute, the knowledge base
 * and the moderation log with undo — the dashboard's own panels (studio/room_ai.tsx).
 */
import { t } from "../../i18n/i18n.ts";
import { KnowledgeBase, ModerationLog, QaQueue } from "../../studio/room_ai.tsx";
import { type RoomAi, timeLeft } from "./ai_panel.tsx";

export function AiAdmin({ ai }: { ai: RoomAi }) {
  return (
    <>
      <QaQueue socket={ai} />
      <MutedNow ai={ai} />
      <KnowledgeBase socket={ai} />
      <ModerationLog socket={ai} />
    </>
  );
}

/** Who is muted in the room now, for how long and by whom, with Unmute (room admins). */
function MutedNow({ ai }: { ai: RoomAi }) {
  const mutes = ai.mutes.value ?? [];
  return (
    <section class="panel-card" aria-labelledby="mutes-h">
      <h2 id="mutes-h">{t("ai.mutedNow")}</h2>
      <ul class="plain ai-mutes">
        {mutes.length === 0 && <li class="muted">{t("ai.nobody")}</li>}
        {mutes.map((m) => (
          <li key={m.userId} data-user={m.userId}>
            {t("ai.muteLeft", {
              user: m.userId,
              left: timeLeft(m.until),
              by: m.source === "ai" ? m.by : t("ai.byWhom", { by: m.by }),
            })}{" "}
            <button
              type="button"
              class="secondary small"
              onClick={() => {
                ai.room.send({ type: "mod", action: "unmute", target: m.userId });
                setTimeout(() => ai.refresh(), 300);
              }}
            >
              {t("mod.unmute")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
