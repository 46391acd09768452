/** The wallet pill in the header (`#wallet-balance`, markup of index.html): a new balance. */
import { formatCoins } from "./i18n/format.ts";

export function showBalance(amount: string): void {
  const el = document.getElementById("wallet-balance");
  if (el) el.textContent = formatCoins(amount);
}
