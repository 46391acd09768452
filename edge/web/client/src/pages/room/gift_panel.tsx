/**
 * The gift panel: the catalogue with a button per gift, a count, and the dev top-up. A click
 * is one gift with one idempotency key; every retry of it (a reconnect before the answer, a
 * transient refusal) reuses that key, so the server charges it at most once. Gifts go over
 * the room socket (`gift` → `gift_ok` / `error`); the sender's new balance shows in the header.
 */
import { signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError, currentUser, newKey } from "../../api.ts";
import { formatCoins } from "../../i18n/format.ts";
import { errorSentence, errorText, hasMessage, t } from "../../i18n/i18n.ts";
import type { ServerFrame } from "../../../../../protocol.ts";
import { showBalance } from "../../wallet.ts";
import type { RoomConnection } from "./connection.ts";

export interface CatalogGift {
  id: string;
  name: string;
  price: string;
}

const ICONS: Record<string, string> = {
  rose: "🌹",
  heart: "💖",
  coffee: "☕",
  star: "🌠",
  rocket: "🚀",
  castle: "🏰",
};
export const giftIcon = (giftId: string) => ICONS[giftId] ?? "🎁";

/** The gift's name in the page's language for the platform's own gifts, else the server's. */
export function giftName(giftId: string, fallback: string): string {
  const key = `gift.name.${giftId}`;
  return hasMessage(key) ? t(key) : fallback;
}

/** Refusals worth retrying with the same key; anything else is final. */
const TRANSIENT = new Set(["room_unavailable", "busy", "internal", "mailbox_full"]);
const MAX_ATTEMPTS = 4;
const TOPUPS = ["100", "1000", "10000"];

type Status = { kind: "ok" | "error" | "pending"; text: string } | null;

interface Pending {
  frame: { type: "gift"; giftId: string; count: number; idempotencyKey: string; clientId: string };
  attempts: number;
  label: string;
}

export function GiftPanel({ room, notice }: { room: RoomConnection; notice: (s: string) => void }) {
  const catalog = useSignal<CatalogGift[] | null>(null);
  const count = useSignal(1);
  const status = useSignal<Status>(null);

  useEffect(() => {
    api<{ gifts: CatalogGift[] }>("/gifts/catalog", { quiet: true }).then(
      (r) => (catalog.value = r.gifts),
      () => (catalog.value = null), // no economy on this server
    );
    const pending = new Map<string, Pending>();
    let counter = 0;
    const trySend = (clientId: string) => {
      const p = pending.get(clientId);
      if (!p) return;
      p.attempts++;
      if (!room.send(p.frame)) {
        status.value = { kind: "pending", text: t("gifts.waiting", { label: p.label }) };
      }
    };
    sendGift.value = (gift: CatalogGift) => {
      if (!currentUser.value) return notice(t("gifts.signIn"));
      const n = Math.max(1, Math.min(9999, Math.floor(count.value) || 1));
      const clientId = `gift${++counter}`;
      const label = t("gifts.label", { count: n, gift: giftName(gift.id, gift.name) });
      pending.set(clientId, {
        frame: {
          type: "gift",
          giftId: gift.id,
          count: n,
          idempotencyKey: newKey("gift"),
          clientId,
        },
        attempts: 0,
        label,
      });
      status.value = { kind: "pending", text: t("gifts.sending", { label }) };
      trySend(clientId);
    };
    return room.listen({
      // Answers lost with the old socket: resend with the same keys.
      welcome: () => pending.forEach((_, id) => trySend(id)),
      frame: (f: ServerFrame) => {
        if (f.type !== "gift_ok" && f.type !== "error") return false;
        const p = f.clientId ? pending.get(f.clientId) : undefined;
        if (!p || !f.clientId) return false;
        const id = f.clientId;
        if (f.type === "gift_ok") {
          pending.delete(id);
          const r = f.result as { amount: string; senderBalance: string; replayed?: boolean };
          status.value = {
            kind: "ok",
            text: t(r.replayed ? "gifts.sentAgain" : "gifts.sentStatus", {
              label: p.label,
              coins: formatCoins(r.amount),
            }),
          };
          showBalance(r.senderBalance);
          return true;
        }
        if (TRANSIENT.has(f.code) && p.attempts < MAX_ATTEMPTS) {
          status.value = { kind: "pending", text: t("gifts.retrying", { label: p.label }) };
          setTimeout(() => trySend(id), 500 * p.attempts);
          return true;
        }
        pending.delete(id);
        void errorSentence(f.code).then((reason) =>
          status.value = { kind: "error", text: t("gifts.notSent", { label: p.label, reason }) }
        );
        return true;
      },
    });
  }, [room]);

  if (!catalog.value) return null;
  const st = status.value;
  return (
    <section id="gift-panel" class="gift-panel" aria-labelledby="gifts-h">
      <div class="gift-head">
        <h3 id="gifts-h">{t("gifts.title")}</h3>
        <label>
          <span>{t("gifts.count")}</span>
          <input
            id="gift-count"
            type="number"
            min={1}
            max={9999}
            value={count.value}
            onInput={(e) => (count.value = Number((e.currentTarget as HTMLInputElement).value))}
          />
        </label>
        <span
          id="gift-status"
          class={`gift-status${st && st.kind !== "pending" ? ` ${st.kind}` : ""}`}
          role="status"
        >
          {st?.text}
        </span>
      </div>
      <div class="gift-list">
        {catalog.value.map((g) => (
          <button
            key={g.id}
            type="button"
            class="gift-btn"
            data-gift={g.id}
            title={t("gifts.priceTitle", {
              gift: giftName(g.id, g.name),
              coins: formatCoins(g.price),
            })}
            onClick={() => sendGift.value?.(g)}
          >
            <span class="gift-icon" aria-hidden="true">{giftIcon(g.id)}</span>
            <span>{giftName(g.id, g.name)}</span>
            <span class="price">{formatCoins(g.price)}</span>
          </button>
        ))}
      </div>
      {currentUser.value && <TopUp notice={notice} />}
    </section>
  );
}

/** The current panel's send function (set by its effect). */
const sendGift = signal<((g: CatalogGift) => void) | null>(null);

/** The dev top-up: a retry after a network error reuses its key (never credited twice). */
function TopUp({ notice }: { notice: (s: string) => void }) {
  const amount = useSignal(TOPUPS[0]);
  const pendingKey = useSignal<{ amount: string; key: string } | null>(null);
  return (
    <form
      id="topup-form"
      class="inline-form topup"
      onSubmit={async (e) => {
        e.preventDefault();
        const a = amount.value;
        if (pendingKey.value?.amount !== a) pendingKey.value = { amount: a, key: newKey("topup") };
        try {
          const r = await api<{ balance: string; replayed: boolean }>("/wallet/topup", {
            json: { amount: a, idempotencyKey: pendingKey.value.key },
            auth: true,
          });
          pendingKey.value = null;
          showBalance(r.balance);
          notice(t("topup.done", { coins: formatCoins(a) }));
        } catch (err) {
          // A refusal is final; a network failure keeps the key for the retry.
          if (err instanceof ApiError && err.status !== 0) pendingKey.value = null;
          notice(errorText(err instanceof ApiError ? err.code : "internal"));
        }
      }}
    >
      <label for="topup-amount" class="visually-hidden">{t("topup.amount")}</label>
      <select
        id="topup-amount"
        value={amount.value}
        onChange={(e) => (amount.value = (e.currentTarget as HTMLSelectElement).value)}
      >
        {TOPUPS.map((a) => (
          <option key={a} value={a}>{t("topup.coins", { coins: formatCoins(a) })}</option>
        ))}
      </select>
      <button type="submit" id="topup-btn">{t("topup.button")}</button>
    </form>
  );
}
