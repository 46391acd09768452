/**
 * "Report" in the room bar: a dialog with the reason (and an optional note) that files a
 * report of the room for the platform's moderators (`POST /api/rooms/:id/reports`). Signed-in
 * viewers only; a second report of the same room finds the first.
 */
import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import { api, ApiError, currentUser } from "../../api.ts";
import { errorText, t } from "../../i18n/i18n.ts";

const REASONS = ["spam", "abuse", "sexual", "violence", "minor", "other"] as const;

export function ReportButton({ roomId, notice }: { roomId: string; notice: (s: string) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const reason = useSignal<typeof REASONS[number]>("spam");
  const note = useSignal("");
  const busy = useSignal(false);
  return (
    <>
      <button
        type="button"
        id="report-btn"
        class="pill-button"
        onClick={() => {
          if (!currentUser.value) return notice(t("report.signIn"));
          dialog.current?.showModal();
        }}
      >
        {t("report.button")}
      </button>
      <dialog ref={dialog} id="report-dialog" class="report-dialog" aria-labelledby="report-h">
        <form
          method="dialog"
          onSubmit={async (e) => {
            e.preventDefault();
            busy.value = true;
            try {
              const r = await api<{ created: boolean }>(
                `/rooms/${encodeURIComponent(roomId)}/reports`,
                {
                  json: {
                    reason: reason.value,
                    ...(note.value.trim() ? { note: note.value.trim() } : {}),
                  },
                  auth: true,
                },
              );
              dialog.current?.close();
              note.value = "";
              notice(t(r.created ? "report.sent" : "report.already"));
            } catch (err) {
              notice(errorText(err instanceof ApiError ? err.code : "internal"));
            } finally {
              busy.value = false;
            }
          }}
        >
          <h3 id="report-h">{t("report.title")}</h3>
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
    </>
  );
}
