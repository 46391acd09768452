/**
 * The stream's language on the streamer's dashboard: what the room detects in its captions
 * and chat, the language the AI writes in now (tips, summaries, answers, notices, co-host),
 * and the streamer's setting (`auto` follows detection; `PATCH /api/rooms/:id` `{language}`).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { StreamLanguageView } from "../../../../../actors/ai/language_tags.ts";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import type { RoomSocket } from "./room_socket.ts";

/** Each language in its own name (the same in both catalogues). */
const NAMES: Record<string, string> = {
  "zh-CN": "简体中文",
  "en": "English",
  "ja": "日本語",
  "ko": "한국어",
  "es": "Español",
  "pt": "Português",
  "fr": "Français",
  "de": "Deutsch",
  "ru": "Русский",
  "it": "Italiano",
  "vi": "Tiếng Việt",
  "th": "ไทย",
  "id": "Bahasa Indonesia",
  "ar": "العربية",
  "tr": "Türkçe",
};
const REFRESH_MS = 30_000;

export function StreamLanguage({ roomId, socket }: { roomId: string; socket: RoomSocket }) {
  const view = useSignal<StreamLanguageView | null>(null);
  const status = useSignal("");
  const refresh = () =>
    socket.ai<{ language?: StreamLanguageView }>({ op: "state" })
      .then((s) => (view.value = s.language ?? null), () => {});
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [roomId]);
  const v = view.value;
  const save = async (language: string) => {
    status.value = "";
    try {
      await api(`/rooms/${encodeURIComponent(roomId)}`, {
        method: "PATCH",
        json: { language },
        auth: true,
      });
      status.value = t("lang.saved");
      await refresh();
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  return (
    <section class="panel-card" aria-labelledby="lang-h">
      <h2 id="lang-h">{t("lang.title")}</h2>
      <p id="stream-language" class="muted" data-effective={v?.effective ?? ""}>
        {t("lang.detected", { lang: v?.detected ? NAMES[v.detected] : t("lang.none") })} ·{" "}
        {t("lang.aiWrites", { lang: v ? NAMES[v.effective] : "…" })}
      </p>
      <label class="inline-field">
        <span>{t("lang.setting")}</span>
        <select
          id="stream-language-setting"
          value={v?.setting ?? "auto"}
          onChange={(e) => save(e.currentTarget.value)}
        >
          <option value="auto">{t("lang.auto")}</option>
          {Object.entries(NAMES).map(([tag, name]) => <option key={tag} value={tag}>{name}
          </option>)}
        </select>
      </label>
      {status.value && <p class="muted" role="status">{status.value}</p>}
    </section>
  );
}
