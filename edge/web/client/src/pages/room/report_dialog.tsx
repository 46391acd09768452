/**
 * The report dialog (a chunk of its own, loaded the first time someone reports): the reason
 * (radio buttons, arrows move between them), an optional note, sent to
 * `POST /api/rooms/:id/reports`; the room itself, or one message of it.
 */
import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import { api, ApiError } from "../../api.ts";
import { errorText, t } from "../../i18n/i18n.ts";
import type { ReportedMessage } from "./report.tsx";

const REASONS = ["spam", "abuse", "sexual", "violence", "minor", "other"] as const;

/** The report dialog, open while mounted; `onClose` when it closes (sent or cancelled). */
export function ReportDialog(
  { roomId, message, notice, onClose }: {
    roomId: string;
    message?: ReportedMessage;
    notice: (s: string) => void;
    onClose: () => void;
  },
) {
  const dialog = useRef<HTMLDialogElement>(null);
  const reason = useSignal<typeof REASONS[number]>("spam");
  const note = useSignal("");
  const busy = useSignal(false);
  // Modal in the same task that mounts it, so no key or click reaches the page behind it.
  useLayoutEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    try {
      const r = await api<{ created: boolean }>(`/rooms/${encodeURIComponent(roomId)}/reports`, {
        json: {
          reason: reason.value,
          ...(message ? { messageId: message.id } : {}),
          ...(note.value.trim() ? { note: note.value.trim() } : {}),
        },
        auth: true,
      });
      dialog.current?.close();
      notice(
        r.created ? t("report.sent") : t(message ? "report.alreadyMessage" : "report.already"),
      );
    } catch (err) {
      notice(errorText(err instanceof ApiError ? err.code : "internal"));
    } finally {
      busy.value = false;
    }
  };
  return (
    <dialog
      ref={dialog}
      id="report-dialog"
      class="report-dialog"
      aria-labelledby="report-h"
      onClose={onClose}
    >
      <form method="dialog" onSubmit={submit}>
        <h3 id="report-h">{t(message ? "report.titleMessage" : "report.title")}</h3>
        {message && (
          <blockquote id="report-quote" class="report-quote">
            <span class="who">{message.who}</span> {message.text}
          </blockquote>
        )}
        <fieldset>
          <legend>{t("report.reason")}</legend>
          {REASONS.map((r) => (
            <label key={r} class="check">
              <input
                type="radio"
                name="reason"
                value={r}
                checked={reason.value === r}
                onChange={() => (reason.value = r)}
              />
              <span>{t(`report.reason.${r}`)}</span>
            </label>
          ))}
        </fieldset>
        <label>
          <span>{t("report.note")}</span>
          <textarea
            id="report-note"
            maxLength={500}
            rows={3}
            value={note.value}
            onInput={(e) => (note.value = (e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <div class="form-actions">
          <button type="submit" id="report-submit" disabled={busy.value}>
            {t("report.submit")}
          </button>
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            {t("report.cancel")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
