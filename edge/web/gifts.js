// The gift panel of the room view: the catalog with a send button per gift, and the gift
// animation over the video. A click is one gift with one idempotency key; every retry of it
// (a reconnect before the answer, a "room unavailable") reuses that key, so the server
// charges it at most once. Gifts go over the room socket (`gift` → `gift_ok` / `error`).
import { $, api, coins, currentUser, el, newKey } from "./api.js";
import { showBalance } from "./wallet.js";

const ICONS = { rose: "🌹", heart: "💖", coffee: "☕", star: "🌠", rocket: "🚀", castle: "🏰" };
/** Refusals worth retrying with the same key; anything else is final. */
const TRANSIENT = new Set(["room_unavailable", "busy", "internal", "mailbox_full"]);
const MAX_ATTEMPTS = 4;

export const giftIcon = (giftId) => ICONS[giftId] ?? "🎁";

/** Big animated gift over the video area (distinct from flying danmaku). */
/** The gift over the video, animated by its tier (client/src/gifts/gift_burst.ts). */
export function animateGift(g) {
  globalThis.synapseClient.giftBurst(
    $("#gift-layer"),
    g,
    giftIcon(g.giftId),
    globalThis.synapseClient.t("gifts.sent", { name: g.name, count: g.count, gift: g.giftName }),
  );
}

/**
 * `send(frame)` returns false when the socket is not open. Returns the hooks the room
 * connection calls: `onFrame(frame)` (true when it was a gift answer) and `onWelcome()`.
 */
export function createGiftPanel({ send, notice }) {
  const pending = new Map(); // clientId → { frame, attempts, button }
  let counter = 0;
  const status = $("#gift-status");

  const trySend = (clientId) => {
    const p = pending.get(clientId);
    if (!p) return;
    p.attempts++;
    if (!send(p.frame)) status.textContent = `${p.label}: waiting for the connection…`;
  };

  const sendGift = (gift) => {
    if (!currentUser()) return notice("sign in to send gifts");
    const count = Math.max(1, Math.min(9999, Number($("#gift-count").value) || 1));
    const clientId = `gift${++counter}`;
    const frame = {
      type: "gift",
      giftId: gift.id,
      count,
      idempotencyKey: newKey("gift"),
      clientId,
    };
    const label = `${count} × ${gift.name}`;
    pending.set(clientId, { frame, attempts: 0, label });
    status.textContent = `sending ${label}…`;
    trySend(clientId);
  };

  const load = async () => {
    try {
      const { gifts } = await api("/gifts/catalog");
      $("#gift-list").replaceChildren(
        ...gifts.map((g) =>
          el(
            "button",
            {
              class: "gift-btn",
              "data-gift": g.id,
              title: `${g.name}: ${coins(g.price)} coins each`,
              onclick: () => sendGift(g),
            },
            el("span", { class: "gift-icon" }, giftIcon(g.id)),
            el("span", {}, g.name),
            el("span", { class: "price" }, coins(g.price)),
          )
        ),
      );
      $("#gift-panel").hidden = false;
    } catch {
      $("#gift-panel").hidden = true; // no economy on this server
    }
  };
  load();

  return {
    onWelcome() {
      // Answers lost with the old socket: resend with the same keys.
      for (const clientId of pending.keys()) trySend(clientId);
    },
    onFrame(f) {
      const p = f.clientId && pending.get(f.clientId);
      if (!p) return false;
      if (f.type === "gift_ok") {
        pending.delete(f.clientId);
        status.textContent = `sent ${p.label}${f.result.replayed ? " (already sent)" : ""} · ${
          coins(f.result.amount)
        } coins`;
        status.className = "gift-status ok";
        showBalance(f.result.senderBalance);
        return true;
      }
      if (f.type === "error") {
        if (TRANSIENT.has(f.code) && p.attempts < MAX_ATTEMPTS) {
          status.textContent = `${p.label}: ${f.code}, retrying…`;
          setTimeout(() => trySend(f.clientId), 500 * p.attempts);
          return true;
        }
        pending.delete(f.clientId);
        status.textContent = `${p.label} not sent: ${f.code} — ${f.message}`;
        status.className = "gift-status error";
        return true;
      }
      return false;
    },
  };
}
