/**
 * The signed-in user's inbox as the bell and the notifications page share it: the unread
 * count (polled every minute while the page is visible, at once when the tab comes back or the
 * service worker says a push arrived) and the latest notifications.
 */
import { signal } from "@preact/signals";
import { api, currentUser } from "../api.ts";
import type { InboxItem } from "./wording.ts";

export const unread = signal(0);
export const latest = signal<InboxItem[]>([]);

const POLL_MS = 60_000;

export async function loadInbox(limit = 10): Promise<void> {
  if (!currentUser.value) return;
  const r = await api<{ notifications: InboxItem[]; unread: number }>(
    `/notifications?limit=${limit}`,
    { auth: true },
  );
  latest.value = r.notifications;
  unread.value = r.unread;
}

export async function refreshUnread(): Promise<void> {
  if (!currentUser.value) return;
  unread.value = (await api<{ unread: number }>("/notifications/unread", { auth: true })).unread;
}

export async function markAllRead(): Promise<void> {
  unread.value = (await api<{ unread: number }>("/notifications/read", { json: {}, auth: true }))
    .unread;
  latest.value = latest.value.map((n) => ({ ...n, readAt: n.readAt ?? new Date().toISOString() }));
}

let started = false;

/** Starts the polling once per page. */
export function watchInbox(): void {
  if (started) return;
  started = true;
  const tick = () => {
    if (document.visibilityState === "visible") refreshUnread().catch(() => {});
  };
  setInterval(tick, POLL_MS);
  document.addEventListener("visibilitychange", tick);
  navigator.serviceWorker?.addEventListener("message", (e) => {
    if ((e.data as { type?: string } | null)?.type === "notification") {
      loadInbox().catch(() => {});
    }
  });
  tick();
}
