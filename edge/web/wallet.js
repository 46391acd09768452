// The wallet pill in the header: balance and earnings of the signed-in user (the room page's
// gift panel, client/src/pages/room/gift_panel.tsx, sends gifts and tops up).
import { $, api, coins, currentUser, onAuthChange } from "./api.js";

/** The TypeScript client's catalogues (client/src/bridge.ts), loaded before this module. */
const tr = (key, params) => globalThis.synapseClient.t(key, params);

export function showBalance(amount) {
  $("#wallet-balance").textContent = coins(amount);
}

export async function refreshWallet() {
  if (!currentUser()) return;
  try {
    const { balances } = await api("/wallet", { auth: true });
    showBalance(balances.wallet);
    $("#earnings").textContent = BigInt(balances.earnings) > 0n
      ? tr("wallet.earned", { coins: coins(balances.earnings) })
      : "";
  } catch {
    // shown again on the next refresh
  }
}

export function initWallet() {
  const render = (user) => {
    $("#wallet").hidden = !user;
    if (user) refreshWallet();
  };
  onAuthChange(render);
  render(currentUser());
  // The room page asks when the streamer's earnings may have changed (a gift arrived).
  addEventListener("synapse:wallet", () => refreshWallet());
}
