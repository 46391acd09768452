// The Finance page (`/#/finance`, the `finance` or `admin` role): withdrawals by state, oldest first, a page
// at a time. A pending one is paid with the payout's reference (the bank transfer id) or
// rejected with a reason; a repeated click is harmless (the server answers the first result).
import { $, api, coins, currentUser, el } from "./api.js";

const PAGE = 25;
let state = "pending";
/** Cursors of the pages shown so far (`after` of page n is cursors[n]). */
let cursors = [undefined];
let page = 0;

function errorText(err) {
  return err.code ? `${err.code}: ${err.message}` : String(err);
}

function decisionCell(w, refresh) {
  if (w.status !== "pending") {
    const text = w.status === "paid"
      ? `ref ${w.payoutReference}`
      : w.status === "rejected"
      ? `reason: ${w.reason}`
      : "cancelled by the streamer";
    const when = w.decidedAt ? ` · ${new Date(w.decidedAt).toLocaleString()}` : "";
    return el("td", { class: "wd-detail" }, text + when);
  }
  const status = el("span", { class: "form-status" });
  const reference = el("input", {
    name: "reference",
    placeholder: "bank transfer ref",
    maxlength: "128",
  });
  const reason = el("input", { name: "reason", placeholder: "reason", maxlength: "500" });
  const act = async (action, field) => {
    const value = field.value.trim();
    if (!value) return (status.textContent = `${field.name} required`);
    try {
      await api(`/admin/withdrawals/${encodeURIComponent(w.id)}/${action}`, {
        json: action === "pay" ? { reference: value } : { reason: value },
        auth: true,
      });
      // The list is rebuilt first, so the message means "done and shown".
      await refresh();
      $("#finance-status").textContent = action === "pay"
        ? `paid ${coins(w.amount)} to ${w.username}`
        : `rejected ${w.username}'s ${coins(w.amount)}`;
    } catch (err) {
      status.textContent = errorText(err);
    }
  };
  const pay = el("button", { class: "pay-btn" }, "Pay");
  pay.onclick = () => act("pay", reference);
  const reject = el("button", { class: "secondary reject-btn" }, "Reject");
  reject.onclick = () => act("reject", reason);
  return el(
    "td",
    { class: "wd-decide" },
    el("span", {}, reference, pay),
    el("span", {}, reason, reject),
    status,
  );
}

async function render() {
  const list = $("#finance-list");
  try {
    const q = new URLSearchParams({ status: state, limit: String(PAGE) });
    if (cursors[page]) q.set("after", cursors[page]);
    const body = await api(`/admin/withdrawals?${q}`, { auth: true });
    cursors[page + 1] = body.next ?? undefined;
    $("#finance-total").textContent = `${body.total.count} ${state} · ${coins(body.total.amount)}`;
    const rows = body.withdrawals.map((w) =>
      el(
        "tr",
        { "data-withdrawal": w.id, "data-status": w.status },
        el("td", {}, new Date(w.createdAt).toLocaleString()),
        el(
          "td",
          {},
          el("strong", {}, w.displayName),
          el("span", { class: "muted" }, ` @${w.username}`),
        ),
        el("td", { class: "num" }, coins(w.amount)),
        decisionCell(w, render),
      )
    );
    list.replaceChildren(
      rows.length
        ? el(
          "table",
          { class: "wd-table" },
          el(
            "thead",
            {},
            el("tr", {}, ...["Requested", "Streamer", "Amount", ""].map((h) => el("th", {}, h))),
          ),
          el("tbody", {}, ...rows),
        )
        : el("p", { class: "muted" }, `no ${state} withdrawals`),
    );
    $("#finance-prev").disabled = page === 0;
    $("#finance-next").disabled = !body.next;
  } catch (err) {
    list.replaceChildren(el("p", { class: "error" }, errorText(err)));
  }
}

export function showFinance() {
  $("#finance-view").hidden = false;
  const user = currentUser();
  if (!user?.roles?.includes("finance") && !user?.roles?.includes("admin")) {
    $("#finance-body").hidden = true;
    $("#finance-signin").hidden = false;
    return;
  }
  $("#finance-body").hidden = false;
  $("#finance-signin").hidden = true;
  for (const tab of document.querySelectorAll("#finance-tabs button")) {
    tab.onclick = () => {
      state = tab.dataset.status;
      cursors = [undefined];
      page = 0;
      for (const t of document.querySelectorAll("#finance-tabs button")) {
        t.classList.toggle("active", t === tab);
      }
      render();
    };
  }
  $("#finance-prev").onclick = () => {
    page = Math.max(0, page - 1);
    render();
  };
  $("#finance-next").onclick = () => {
    page++;
    render();
  };
  render();
}
