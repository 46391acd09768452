/** Numbers, money, dates and durations in the current locale (Intl). */
import { locale } from "./locale.ts";

/** `12,345` / `12,345`; compact for big counts on cards (`1.2K` / `1.2万`). */
export function formatNumber(n: number, compact = false): string {
  return new Intl.NumberFormat(locale.value, compact ? { notation: "compact" } : {}).format(n);
}

/** Coins are integer amounts sent as decimal strings: formatted without going through floats. */
export function formatCoins(amount: string | bigint): string {
  return new Intl.NumberFormat(locale.value).format(BigInt(amount));
}

/**
 * An outside platform's money (a super chat, a bridged gift) in minor units: with its
 * currency's code (`CNY 30.00`), since it is not the viewer's own currency.
 */
export function formatMoney(minor: number, currency: string): string {
  return new Intl.NumberFormat(locale.value, {
    style: "currency",
    currency,
    currencyDisplay: "code",
  }).format(minor / 100);
}

export function formatTime(at: number | Date): string {
  return new Intl.DateTimeFormat(locale.value, { timeStyle: "short" }).format(at);
}

/** Hours, minutes and seconds (`22:15:30`), for chart axes. */
export function formatClock(at: number | Date): string {
  return new Intl.DateTimeFormat(locale.value, { timeStyle: "medium" }).format(at);
}

export function formatDateTime(at: number | Date): string {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: "medium", timeStyle: "short" })
    .format(at);
}

/** A duration like `1 hr 5 min` / `1小时5分钟` (hours and minutes, or minutes only). */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const unit = (value: number, u: "hour" | "minute") =>
    new Intl.NumberFormat(locale.value, { style: "unit", unit: u, unitDisplay: "short" })
      .format(value);
  return h > 0 ? `${unit(h, "hour")} ${unit(m, "minute")}` : unit(m, "minute");
}
