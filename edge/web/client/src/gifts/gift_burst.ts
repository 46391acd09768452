/**
 * A gift over the video, animated by its worth (coins of the whole gift: price × count):
 * tier 1 a card that pops in at the bottom left; tier 2 (100+) a bigger glowing card; tier 3
 * (1,000+) also a banner across the top and a shower of its icon. Under reduced motion every
 * tier only fades in and out, and there is no shower. The layer is aria-hidden: the chat list
 * has the gift's line.
 */
import { reducedMotion } from "../danmaku/settings.ts";
import { giftTier } from "./tier.ts";

export interface GiftShown {
  giftId: string;
  /** Coins of the whole gift, as a decimal string. */
  amount: string;
}

const SHOWER = 14;
const MAX_CARDS = 4;

export function giftBurst(layer: HTMLElement, g: GiftShown, icon: string, text: string): void {
  const tier = giftTier(g.amount);
  const card = document.createElement("div");
  card.className = `gift-burst tier-${tier}${tier > 1 ? " big" : ""}`;
  card.dataset.tier = String(tier);
  const iconEl = document.createElement("span");
  iconEl.className = "gift-icon";
  iconEl.textContent = icon;
  const textEl = document.createElement("span");
  textEl.className = "gift-text";
  textEl.textContent = text;
  card.append(iconEl, textEl);
  layer.append(card);
  while (layer.children.length > MAX_CARDS) layer.firstElementChild?.remove();
  card.addEventListener("animationend", (e) => e.target === card && card.remove());

  if (tier < 3) return;
  const stage = layer.parentElement ?? layer;
  const banner = document.createElement("div");
  banner.className = "gift-banner";
  banner.setAttribute("aria-hidden", "true");
  banner.textContent = `${icon} ${text} ${icon}`;
  stage.append(banner);
  banner.addEventListener("animationend", () => banner.remove());
  if (reducedMotion.value) return;
  const shower = document.createElement("div");
  shower.className = "gift-shower";
  shower.setAttribute("aria-hidden", "true");
  for (let i = 0; i < SHOWER; i++) {
    const drop = document.createElement("span");
    drop.textContent = icon;
    drop.style.left = `${(i * 97) % 100}%`;
    drop.style.animationDelay = `${(i % 7) * 120}ms`;
    shower.append(drop);
  }
  stage.append(shower);
  setTimeout(() => shower.remove(), 3_500);
}
