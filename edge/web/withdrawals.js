// The streamer's earnings and withdrawals, in the console (`/#/console`): what is available,
// held and paid out; a request form (one idempotency key per request, reused on a retry after
// a network error); and every withdrawal with its state — pending (cancel), paid (with the
// payout reference), rejected (with the reason), cancelled.
import { $, api, coins, el, newKey } from "./api.js";

/** The request being tried; a retry after a network error reuses its key (never twice). */
let pendingRequest = null;

const STATE_TEXT = {
  pending: "pending",
  paid: "paid",
  rejected: "rejected",
  cancelled: "cancelled",
};

function errorText(err) {
  return err.code ? `${err.code}: ${err.message}` : String(err);
}

function row(w, reload) {
  const detail = w.status === "paid"
    ? `ref ${w.payoutReference}`
    : w.status === "rejected"
    ? `reason: ${w.reason}`
    : "";
  const actions = el("span", { class: "wd-actions" });
  if (w.status === "pending") {
    const cancel = el("button", { class: "secondary" }, "Cancel");
    cancel.onclick = async () => {
      cancel.disabled = true;
      let message;
      try {
        await api(`/withdrawals/${encodeURIComponent(w.id)}/cancel`, {
          method: "POST",
          auth: true,
        });
        message = "cancelled: the amount is available again";
      } catch (err) {
        message = errorText(err);
      }
      // The section is rebuilt: the message goes into its new status line.
      await reload();
      $("#withdraw-status").textContent = message;
    };
    actions.append(cancel);
  }
  return el(
    "tr",
    { "data-withdrawal": w.id, "data-status": w.status },
    el("td", {}, new Date(w.createdAt).toLocaleString()),
    el("td", { class: "num" }, coins(w.amount)),
    el("td", {}, el("span", { class: `pill wd-${w.status}` }, STATE_TEXT[w.status] ?? w.status)),
    el("td", { class: "wd-detail" }, detail),
    el("td", {}, actions),
  );
}

/** Render the section into `#console-earnings` (the console calls it when shown). */
export async function renderEarnings() {
  const box = $("#console-earnings");
  if (!box) return;
  const status = el("span", { id: "withdraw-status", class: "form-status" });
  const reload = () => renderEarnings();
  try {
    const [{ earnings }, { withdrawals }] = await Promise.all([
      api("/earnings", { auth: true }),
      api("/withdrawals", { auth: true }),
    ]);
    const amount = el("input", {
      id: "withdraw-amount",
      name: "amount",
      inputmode: "numeric",
      pattern: "[0-9]{1,10}",
      placeholder: "amount",
      required: true,
    });
    const form = el(
      "form",
      { id: "withdraw-form", class: "inline-form" },
      amount,
      el("button", { id: "withdraw-submit" }, "Request withdrawal"),
      status,
    );
    form.onsubmit = async (e) => {
      e.preventDefault();
      const value = amount.value.trim();
      if (!/^[0-9]{1,10}$/.test(value)) return (status.textContent = "a whole number of coins");
      if (!pendingRequest || pendingRequest.amount !== value) {
        pendingRequest = { amount: value, key: newKey("withdraw") };
      }
      try {
        const { withdrawal } = await api("/withdrawals", {
          json: { amount: value, idempotencyKey: pendingRequest.key },
          auth: true,
        });
        pendingRequest = null;
        await reload();
        $("#withdraw-status").textContent = `requested ${coins(withdrawal.amount)}: pending`;
      } catch (err) {
        if (err.code) pendingRequest = null;
        status.textContent = errorText(err);
      }
    };
    const summary = el(
      "p",
      { id: "earnings-summary" },
      el("span", {}, "available "),
      el("strong", { id: "earnings-available" }, coins(earnings.available)),
      el("span", {}, " · held "),
      el("strong", { id: "earnings-held" }, coins(earnings.held)),
      el("span", {}, " · paid out "),
      el("strong", { id: "earnings-paid" }, coins(earnings.paidOut)),
      el("span", { class: "muted" }, ` · earned in total ${coins(earnings.net)}`),
    );
    const table = withdrawals.length
      ? el(
        "table",
        { id: "my-withdrawals", class: "wd-table" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ...["Requested", "Amount", "State", "Details", ""].map((h) => el("th", {}, h)),
          ),
        ),
        el("tbody", {}, ...withdrawals.map((w) => row(w, reload))),
      )
      : el("p", { id: "my-withdrawals", class: "muted" }, "no withdrawals yet");
    box.replaceChildren(summary, form, table);
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, errorText(err)));
  }
}
