/**
 * Web Push in this browser: the service worker (`/sw.js`, scope `/`), the permission, and the
 * subscription made with the server's VAPID key and handed to the server. Permission is only
 * ever asked from a button the user pressed (the offer after a follow, or the settings page),
 * never on page load.
 */
import { signal } from "@preact/signals";
import { api } from "../api.ts";

export type PushState = "unsupported" | "denied" | "off" | "on";

export const pushState = signal<PushState>("off");

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in globalThis &&
    "Notification" in globalThis;
}

const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));

async function registration(): Promise<ServiceWorkerRegistration> {
  const existing = await navigator.serviceWorker.getRegistration("/");
  return existing ?? await navigator.serviceWorker.register("/sw.js", { scope: "/" });
}

/** Reads the state without asking anything. */
export async function refreshPushState(): Promise<PushState> {
  if (!pushSupported()) return (pushState.value = "unsupported");
  if (Notification.permission === "denied") return (pushState.value = "denied");
  const reg = await navigator.serviceWorker.getRegistration("/");
  const sub = await reg?.pushManager.getSubscription();
  return (pushState.value = sub && Notification.permission === "granted" ? "on" : "off");
}

/** Asks for permission (call from a click), subscribes, and tells the server. */
export async function enablePush(): Promise<PushState> {
  if (!pushSupported()) return (pushState.value = "unsupported");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    return (pushState.value = permission === "denied" ? "denied" : "off");
  }
  const { publicKey } = await api<{ publicKey: string }>("/notifications/push/key");
  const reg = await registration();
  await navigator.serviceWorker.ready;
  const sub = await reg.pushManager.getSubscription() ??
    await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: fromB64url(publicKey),
    });
  await api("/notifications/push/subscriptions", { json: sub.toJSON(), auth: true });
  return (pushState.value = "on");
}

export async function disablePush(): Promise<PushState> {
  const reg = await navigator.serviceWorker.getRegistration("/");
  const sub = await reg?.pushManager.getSubscription();
  if (sub) {
    await api(`/notifications/push/subscriptions?endpoint=${encodeURIComponent(sub.endpoint)}`, {
      method: "DELETE",
      auth: true,
    }).catch(() => {});
    await sub.unsubscribe();
  }
  return (pushState.value = "off");
}
