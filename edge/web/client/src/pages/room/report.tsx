/**
 * Reports for the platform's moderators (`POST /api/rooms/:id/reports`): "Report" in the room
 * bar reports the room; "Report message…" in a chat line's menu reports that message. A
 * dialog asks for the reason (and an optional note). Signed-in viewers only; a second report
 * of the same room or message finds the first.
 */
import { useSignal } from "@preact/signals";
import { currentUser } from "../../api.ts";
import { lazyComponent } from "../../components/lazy.tsx";
import { t } from "../../i18n/i18n.ts";

/** The dialog, open while mounted; `onClose` when it closes (sent or cancelled). Its code loads
 * the first time it opens. */
export const ReportDialog = lazyComponent(
  () => import("./report_dialog.tsx").then((m) => m.ReportDialog),
  { quiet: true },
);

/** The message a report is about (absent: the room itself). */
export interface ReportedMessage {
  id: string;
  who: string;
  text: string;
}

export function ReportButton({ roomId, notice }: { roomId: string; notice: (s: string) => void }) {
  const open = useSignal(false);
  return (
    <>
      <button
        type="button"
        id="report-btn"
        class="pill-button"
        onClick={() => {
          if (!currentUser.value) return notice(t("report.signIn"));
          open.value = true;
        }}
      >
        {t("report.button")}
      </button>
      {open.value && (
        <ReportDialog roomId={roomId} notice={notice} onClose={() => (open.value = false)} />
      )}
    </>
  );
}
