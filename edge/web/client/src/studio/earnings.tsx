/**
 * The streamer's earnings and withdrawals on the dashboard: what is available, held and paid
 * out; a request form (one idempotency key per request, reused when a retry follows a network
 * error, so a request is never made twice); and every withdrawal with its state — pending
 * (cancel), paid (with the payout reference), rejected (with the reason), cancelled.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError, newKey } from "../api.ts";
import { DataTable } from "../components/data_table.tsx";
import { formatCoins, formatDateTime } from "../i18n/format.ts";
import { errorText, t } from "../i18n/i18n.ts";

interface Earnings {
  available: string;
  held: string;
  paidOut: string;
  net: string;
}
interface Withdrawal {
  id: string;
  createdAt: string;
  amount: string;
  status: "pending" | "paid" | "rejected" | "cancelled";
  payoutReference?: string | null;
  reason?: string | null;
}

const codeOf = (err: unknown) => err instanceof ApiError ? err.code : "offline";
/** The request being tried: a retry after a network error reuses its key. */
let pendingRequest: { amount: string; key: string } | null = null;

export function EarningsPanel() {
  const earnings = useSignal<Earnings | null>(null);
  const list = useSignal<Withdrawal[]>([]);
  const status = useSignal("");
  const load = async () => {
    try {
      const [e, w] = await Promise.all([
        api<{ earnings: Earnings }>("/earnings", { auth: true }),
        api<{ withdrawals: Withdrawal[] }>("/withdrawals", { auth: true }),
      ]);
      earnings.value = e.earnings;
      list.value = w.withdrawals;
    } catch (err) {
      status.value = errorText(codeOf(err));
    }
  };
  useEffect(() => void load(), []);
  const request = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const amount = String(new FormData(form).get("amount") ?? "").trim();
    if (!/^[0-9]{1,10}$/.test(amount)) {
      status.value = t("earnings.wholeCoins");
      return;
    }
    if (pendingRequest?.amount !== amount) pendingRequest = { amount, key: newKey("withdraw") };
    try {
      const { withdrawal } = await api<{ withdrawal: Withdrawal }>("/withdrawals", {
        auth: true,
        json: { amount, idempotencyKey: pendingRequest.key },
      });
      pendingRequest = null;
      form.reset();
      status.value = t("earnings.requested", { amount: formatCoins(withdrawal.amount) });
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.status !== 0) pendingRequest = null;
      status.value = errorText(codeOf(err));
    }
  };
  const cancel = async (w: Withdrawal) => {
    try {
      await api(`/withdrawals/${encodeURIComponent(w.id)}/cancel`, { method: "POST", auth: true });
      status.value = t("earnings.cancelled");
    } catch (err) {
      status.value = errorText(codeOf(err));
    }
    await load();
  };
  const e = earnings.value;
  return (
    <section class="panel-card" aria-labelledby="earnings-h">
      <h2 id="earnings-h">{t("console.earnings")}</h2>
      {e && (
        <dl class="figures" id="earnings-summary">
          <div>
            <dt>{t("earnings.available")}</dt>
            <dd id="earnings-available">{formatCoins(e.available)}</dd>
          </div>
          <div>
            <dt>{t("earnings.held")}</dt>
            <dd id="earnings-held">{formatCoins(e.held)}</dd>
          </div>
          <div>
            <dt>{t("earnings.paidOut")}</dt>
            <dd id="earnings-paid">{formatCoins(e.paidOut)}</dd>
          </div>
          <div>
            <dt>{t("earnings.net")}</dt>
            <dd>{formatCoins(e.net)}</dd>
          </div>
        </dl>
      )}
      <form class="row" id="withdraw-form" onSubmit={request}>
        <label>
          <span class="visually-hidden">{t("earnings.amount")}</span>
          <input
            id="withdraw-amount"
            name="amount"
            inputMode="numeric"
            pattern="[0-9]{1,10}"
            placeholder={t("earnings.amount")}
            required
          />
        </label>
        <button type="submit" id="withdraw-submit">{t("earnings.request")}</button>
      </form>
      <p id="withdraw-status" class="muted" role="status">{status.value}</p>
      {list.value.length === 0
        ? <p class="muted" id="my-withdrawals">{t("earnings.none")}</p>
        : (
          <DataTable
            id="my-withdrawals"
            headers={[t("ops.requested"), t("ops.amount"), t("ops.state"), ""]}
          >
            {list.value.map((w) => (
              <tr key={w.id} data-withdrawal={w.id} data-status={w.status}>
                <td>{formatDateTime(new Date(w.createdAt))}</td>
                <td class="num">{formatCoins(w.amount)}</td>
                <td>
                  {w.status === "paid"
                    ? t("ops.paidRef", { ref: w.payoutReference ?? "" })
                    : w.status === "rejected"
                    ? t("ops.rejectedReason", { reason: w.reason ?? "" })
                    : t(w.status === "pending" ? "finance.pending" : "finance.cancelled")}
                </td>
                <td>
                  {w.status === "pending" && (
                    <button
                      type="button"
                      class="secondary small"
                      onClick={() => cancel(w)}
                    >
                      {t("earnings.cancel")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
    </section>
  );
}
