/**
 * Finance (the `finance` or `admin` role): withdrawals by state, oldest first, a page at a
 * time, with the state's count and sum. A pending one is paid with the payout's reference or
 * rejected with a reason; a repeated click is harmless (the server answers the first result).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { DataTable, Pager } from "../components/data_table.tsx";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { formatCoins, formatDateTime } from "../i18n/format.ts";

type State = "pending" | "paid" | "rejected" | "cancelled";
interface Withdrawal {
  id: string;
  createdAt: string | number;
  displayName: string;
  username: string;
  amount: string;
  status: State;
  payoutReference?: string;
  reason?: string;
  decidedAt?: string | number;
}
const STATES: State[] = ["pending", "paid", "rejected", "cancelled"];
const PAGE = 25;

function Decide({ w, done }: { w: Withdrawal; done: (msg: string) => void }) {
  const status = useSignal("");
  const act = async (e: Event, action: "pay" | "reject") => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const value = String(f.get("value") ?? "").trim();
    try {
      await api(`/admin/withdrawals/${encodeURIComponent(w.id)}/${action}`, {
        auth: true,
        json: action === "pay" ? { reference: value } : { reason: value },
      });
      done(t(action === "pay" ? "ops.paidTo" : "ops.rejectedFor", {
        amount: formatCoins(w.amount),
        user: w.username,
      }));
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  return (
    <div class="decide">
      <form class="row" onSubmit={(e) => act(e, "pay")}>
        <input
          name="value"
          required
          maxLength={128}
          placeholder={t("ops.reference")}
          aria-label={`${t("ops.reference")} · ${w.username}`}
        />
        <button type="submit" class="small">{t("ops.pay")}</button>
      </form>
      <form class="row" onSubmit={(e) => act(e, "reject")}>
        <input
          name="value"
          required
          maxLength={500}
          placeholder={t("ops.reason")}
          aria-label={`${t("ops.reason")} · ${w.username}`}
        />
        <button type="submit" class="secondary small">{t("ops.reject")}</button>
      </form>
      {status.value && <span class="error">{status.value}</span>}
    </div>
  );
}

export function Finance() {
  const state = useSignal<State>("pending");
  const rows = useSignal<Withdrawal[]>([]);
  const total = useSignal<{ count: number; amount: string } | null>(null);
  const cursors = useSignal<(string | undefined)[]>([undefined]);
  const page = useSignal(0);
  const status = useSignal("");
  const load = async () => {
    const q = new URLSearchParams({ status: state.value, limit: String(PAGE) });
    const after = cursors.value[page.value];
    if (after) q.set("after", after);
    try {
      const body = await api<
        {
          withdrawals: Withdrawal[];
          next?: string | null;
          total: { count: number; amount: string };
        }
      >(`/admin/withdrawals?${q}`, { auth: true });
      rows.value = body.withdrawals;
      total.value = body.total;
      const next = [...cursors.value];
      next[page.value + 1] = body.next ?? undefined;
      cursors.value = next;
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  useEffect(() => void load(), []);
  const pick = (s: State) => {
    state.value = s;
    cursors.value = [undefined];
    page.value = 0;
    load();
  };
  return (
    <section class="panel-card" aria-labelledby="fin-h">
      <h2 id="fin-h">{t("ops.withdrawals")}</h2>
      <div class="chips" role="group" aria-label={t("ops.state")}>
        {STATES.map((s) => (
          <button
            type="button"
            key={s}
            class="chip"
            aria-pressed={state.value === s}
            onClick={() => pick(s)}
          >
            {t(`finance.${s}`)}
          </button>
        ))}
      </div>
      {total.value && (
        <p id="finance-total">
          {t("ops.total", { n: total.value.count, amount: formatCoins(total.value.amount) })}
        </p>
      )}
      <DataTable
        id="withdrawals-table"
        headers={[t("ops.requested"), t("ops.streamer"), t("ops.amount"), t("ops.decision")]}
      >
        {rows.value.map((w) => (
          <tr key={w.id} data-withdrawal={w.id} data-status={w.status}>
            <td>{formatDateTime(new Date(w.createdAt))}</td>
            <td>
              <strong>{w.displayName}</strong> <span class="muted">@{w.username}</span>
            </td>
            <td class="num">{formatCoins(w.amount)}</td>
            <td>
              {w.status === "pending"
                ? (
                  <Decide
                    w={w}
                    done={(msg) => {
                      status.value = msg;
                      load();
                    }}
                  />
                )
                : w.status === "paid"
                ? t("ops.paidRef", { ref: w.payoutReference ?? "" })
                : w.status === "rejected"
                ? t("ops.rejectedReason", { reason: w.reason ?? "" })
                : t("ops.cancelledByStreamer")}
            </td>
          </tr>
        ))}
      </DataTable>
      {rows.value.length === 0 && <p class="muted">{t("ops.noWithdrawals")}</p>}
      <Pager
        page={page.value}
        hasNext={!!cursors.value[page.value + 1]}
        go={(step) => {
          page.value += step;
          load();
        }}
      />
      {status.value && <p class="muted" role="status" id="finance-status">{status.value}</p>}
    </section>
  );
}
