/**
 * The liveness check's flags for the room's managers on the dashboard: a participant whose
 * camera is possibly not live (frozen picture, a repeating loop, the antispoof and liveness
 * models), with its evidence; polled (`GET /api/analysis/liveness?room=`). A liveness check,
 * not deepfake detection (the panel says so).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../api.ts";
import { t } from "../i18n/i18n.ts";
import { formatTime } from "../i18n/format.ts";
import type { MessageKey } from "../i18n/messages_en.ts";

interface Flag {
  identity: string;
  raisedAt: number;
  clearedAt: number | null;
  open: boolean;
  reasons: string[];
  evidence: {
    frozenForMs: number;
    repeats: number;
    loopMs: number | null;
    antispoof: number | null;
    liveness: number | null;
  };
}

const POLL_MS = 10_000;

export function LivenessFlags({ roomId }: { roomId: string }) {
  const flags = useSignal<Flag[]>([]);
  useEffect(() => {
    let stop = false;
    const load = () =>
      api<{ flags: Flag[] }>(`/analysis/liveness?room=${encodeURIComponent(roomId)}&limit=5`, {
        auth: true,
      }).then((r) => {
        if (!stop) flags.value = r.flags;
      }, () => {});
    load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [roomId]);
  if (flags.value.length === 0) return null;
  return (
    <section class="panel-card liveness" aria-labelledby="liveness-h">
      <h2 id="liveness-h">{t("liveness.title")}</h2>
      <ul id="liveness-flags" aria-live="polite">
        {flags.value.map((f) => (
          <li key={`${f.identity}-${f.raisedAt}`} class={f.open ? "flag-open" : "flag-cleared"}>
            <strong>
              {f.open ? "⚠️ " : ""}
              {t("liveness.flag", { who: f.identity })}
            </strong>{" "}
            <span class="muted small">
              {formatTime(f.raisedAt)}
              {f.clearedAt ? ` · ${t("liveness.cleared", { at: formatTime(f.clearedAt) })}` : ""}
            </span>
            <p class="small">
              {f.reasons.map((r) =>
                t(`liveness.reason.${r}` as MessageKey, {
                  s: Math.round(f.evidence.frozenForMs / 1000),
                  n: f.evidence.repeats,
                  loop: f.evidence.loopMs ? Math.round(f.evidence.loopMs / 1000) : "?",
                  real: f.evidence.antispoof ?? "?",
                  live: f.evidence.liveness ?? "?",
                })
              ).join(" · ")}
            </p>
          </li>
        ))}
      </ul>
      <p class="muted small">{t("liveness.note")}</p>
    </section>
  );
}
