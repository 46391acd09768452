/**
 * The stage panel of the room page: a viewer raises a hand (camera, microphone or both),
 * lowers it, or leaves the stage; the streamer and room admins see the raised hands with
 * accept and decline, the guests with mute and remove, and pick the layout.
 */
import { useState } from "preact/hooks";
import { t } from "../i18n/i18n.ts";
import {
  myHandUp,
  myStageMedia,
  sendStage,
  stage,
  type StageLayout,
  type StageMedia,
  stageSelf,
} from "./stage_store.ts";

const LAYOUTS: StageLayout[] = ["grid", "side_by_side", "pip"];
const MEDIA: StageMedia[] = ["both", "camera", "mic"];

export function StagePanel() {
  const view = stage.value;
  const me = stageSelf.value;
  const [media, setMedia] = useState<StageMedia>("both");
  if (!view || !me) return null;
  const onStage = myStageMedia.value;
  return (
    <section class="stage-panel" aria-label={t("stage.title")}>
      <h3>
        {t("stage.title")}{" "}
        <span class="muted">
          {t("stage.count", { n: view.guests.length, max: view.maxGuests })}
        </span>
      </h3>
      {!me.staff && (
        <div class="stage-self">
          {onStage
            ? (
              <button type="button" onClick={() => sendStage({ op: "leave" })}>
                {t("stage.leave")}
              </button>
            )
            : myHandUp.value
            ? (
              <button type="button" onClick={() => sendStage({ op: "lower" })}>
                {t("stage.lower")}
              </button>
            )
            : me.signedIn
            ? (
              <span>
                <select
                  aria-label={t("stage.media")}
                  value={media}
                  onChange={(e) => setMedia((e.target as HTMLSelectElement).value as StageMedia)}
                >
                  {MEDIA.map((m) => <option key={m} value={m}>{t(`stage.media.${m}`)}</option>)}
                </select>{" "}
                <button type="button" onClick={() => sendStage({ op: "raise", media })}>
                  {t("stage.raise")}
                </button>
              </span>
            )
            : <span class="muted">{t("stage.signIn")}</span>}
        </div>
      )}
      <ul class="stage-guests">
        {view.guests.map((g) => (
          <li key={g.userId} data-user={g.userId}>
            <strong>{g.name}</strong> <span class="muted">{t(`stage.media.${g.media}`)}</span>
            {view.away?.includes(g.userId) && (
              <span class="stage-reconnecting" role="status">{t("stage.reconnecting")}</span>
            )}
            {me.staff && (
              <span class="stage-actions">
                {g.media !== "camera" && (
                  <button
                    type="button"
                    onClick={() => sendStage({ op: "mute", userId: g.userId, source: "mic" })}
                  >
                    {t("stage.muteMic")}
                  </button>
                )}
                {g.media !== "mic" && (
                  <button
                    type="button"
                    onClick={() => sendStage({ op: "mute", userId: g.userId, source: "camera" })}
                  >
                    {t("stage.muteCamera")}
                  </button>
                )}
                <button type="button" onClick={() => sendStage({ op: "remove", userId: g.userId })}>
                  {t("stage.remove")}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {me.staff && (
        <div class="stage-staff">
          <h4>{t("stage.queue", { n: view.queue.length })}</h4>
          <ul class="stage-queue">
            {view.queue.map((q) => (
              <li key={q.userId}>
                <strong>{q.name}</strong> <span class="muted">{t(`stage.media.${q.media}`)}</span>
                <button type="button" onClick={() => sendStage({ op: "accept", userId: q.userId })}>
                  {t("stage.accept")}
                </button>
                <button
                  type="button"
                  onClick={() => sendStage({ op: "decline", userId: q.userId })}
                >
                  {t("stage.decline")}
                </button>
              </li>
            ))}
          </ul>
          <label>
            {t("stage.layout")}{" "}
            <select
              value={view.layout}
              onChange={(e) =>
                sendStage({
                  op: "layout",
                  layout: (e.target as HTMLSelectElement).value as StageLayout,
                })}
            >
              {LAYOUTS.map((l) => <option key={l} value={l}>{t(`stage.layout.${l}`)}</option>)}
            </select>
          </label>
        </div>
      )}
    </section>
  );
}
