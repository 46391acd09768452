// The wallet pill in the header: balance, and the dev top-up (instant credit; a production
// server may allow it to platform admins only and answers `not_allowed` otherwise).
import { $, api, coins, currentUser, newKey, onAuthChange } from "./api.js";

/** The top-up being tried; a retry after a network error reuses its key (never twice). */
let pendingTopUp = null;

export function showBalance(amount) {
  $("#wallet-balance").textContent = coins(amount);
}

export async function refreshWallet() {
  if (!currentUser()) return;
  try {
    const { balances } = await api("/wallet", { auth: true });
    showBalance(balances.wallet);
    $("#earnings").textContent = BigInt(balances.earnings) > 0n
      ? `earned ${coins(balances.earnings)}`
      : "";
  } catch {
    // shown again on the next refresh
  }
}

async function topUp(amount, notice) {
  if (!pendingTopUp || pendingTopUp.amount !== amount) {
    pendingTopUp = { amount, key: newKey("topup") };
  }
  try {
    const result = await api("/wallet/topup", {
      json: { amount, idempotencyKey: pendingTopUp.key },
      auth: true,
    });
    pendingTopUp = null;
    notice(`topped up ${coins(amount)} coins${result.replayed ? " (already done)" : ""}`);
    await refreshWallet();
  } catch (err) {
    // A refusal is final; a network failure keeps the key for the retry.
    if (err.code) pendingTopUp = null;
    notice(`top-up failed: ${err.code ?? ""} ${err.message}`);
  }
}

export function initWallet({ notice }) {
  const render = (user) => {
    $("#wallet").hidden = !user;
    $("#topup-form").hidden = !user;
    if (user) refreshWallet();
  };
  onAuthChange(render);
  render(currentUser());
  $("#topup-form").onsubmit = (e) => {
    e.preventDefault();
    topUp($("#topup-amount").value, notice);
  };
}
