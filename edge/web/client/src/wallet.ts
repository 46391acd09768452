/**
 * The signed-in user's wallet as the header shows it: the balance and what they earned as a
 * streamer. Read from `GET /api/wallet` when someone signs in and when `refreshWallet()` is
 * called (a gift to the streamer arrived); a gift or a top-up answer sets the balance at once.
 */
import { signal } from "@preact/signals";
import { api, currentUser } from "./api.ts";

export const walletBalance = signal<string | null>(null);
export const walletEarnings = signal<string>("0");

export function showBalance(amount: string): void {
  walletBalance.value = amount;
}

export async function refreshWallet(): Promise<void> {
  if (!currentUser.value) return;
  try {
    const { balances } = await api<{ balances: { wallet: string; earnings: string } }>(
      "/wallet",
      { auth: true },
    );
    walletBalance.value = balances.wallet;
    walletEarnings.value = balances.earnings;
  } catch {
    // shown again on the next refresh
  }
}
