/**
 * The co-host tab (was /console/cohost): the room's bridges to outside platforms with their
 * health (link Bilibili or a relay, unlink), and the AI co-host — state, what it answers now,
 * its queue (skip), interrupt, the persona, a /proxy-ws key and what it says (read from
 * /proxy-ws). REST under `/api/rooms/:id/{bridges,cohost}` (README).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { accessToken, api, ApiError } from "../api.ts";
import { DataTable } from "../components/data_table.tsx";
import { errorText, t } from "../i18n/i18n.ts";
import { formatNumber } from "../i18n/format.ts";

interface Health {
  connected?: boolean;
  lastEventAt?: number;
  events?: number;
  reconnects?: number;
  errors?: number;
  lastError?: string;
}
interface Link {
  id: string;
  label: string;
  health?: { platform?: Health; forwarded?: number };
}
interface QueueItem {
  id: string;
  origin: string;
  platform?: string;
  user: { name: string };
  text: string;
  at: number;
}
interface Persona {
  enabled: boolean;
  name: string;
  style: string;
  language: string;
  mustNotSay: string[];
  interruptPhrases: string[];
  stale: { maxWaitMs: number; maxQueue: number };
  listen: { native: boolean; bridged: boolean; proxy: boolean };
  voice: boolean;
}
interface CoHostState {
  state: string;
  answered: number;
  skipped: number;
  current: QueueItem | null;
  queue: QueueItem[];
  persona: Persona;
  hasProxyKey: boolean;
}

const secondsAgo = (at?: number) =>
  at
    ? t("cohost.ago", { n: Math.max(0, Math.round((Date.now() - at) / 1000)) })
    : t("cohost.never");
const lines = (s: FormDataEntryValue | null) =>
  String(s ?? "").split("\n").map((x) => x.trim()).filter(Boolean);

export function CoHost({ roomId }: { roomId: string }) {
  const links = useSignal<Link[]>([]);
  const state = useSignal<CoHostState | null>(null);
  const status = useSignal("");
  const said = useSignal<string[]>([]);
  const key = useSignal<string | null>(null);
  const base = `/rooms/${encodeURIComponent(roomId)}`;

  const refresh = async () => {
    try {
      const [b, c] = await Promise.all([
        api<{ links: Link[] }>(`${base}/bridges`, { auth: true }),
        api<CoHostState>(`${base}/cohost`, { auth: true }),
      ]);
      links.value = b.links;
      state.value = c;
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      status.value = done;
      await refresh();
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, 3000);
    let socket: WebSocket | null = null;
    accessToken().then((token) => {
      if (!token) return;
      socket = new WebSocket(
        `${location.origin.replace(/^http/, "ws")}/proxy-ws/rooms/${
          encodeURIComponent(roomId)
        }?token=${encodeURIComponent(token)}`,
      );
      socket.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        const line = m.type === "user-input-transcription"
          ? `▶ ${m.text}`
          : m.type === "audio"
          ? `${m.display_text?.name}: ${m.display_text?.text}`
          : null;
        if (line) said.value = [...said.value, line].slice(-50);
      };
    });
    return () => {
      clearInterval(timer);
      socket?.close();
    };
  }, [roomId]);

  const savePersona = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const on = (name: string) => f.get(name) === "on";
    act(() =>
      api(`${base}/cohost`, {
        method: "PUT",
        auth: true,
        json: {
          enabled: on("enabled"),
          name: String(f.get("name")),
          style: String(f.get("style")),
          language: String(f.get("language")),
          mustNotSay: lines(f.get("mustNotSay")),
          interruptPhrases: lines(f.get("interruptPhrases")),
          stale: {
            maxWaitMs: Number(f.get("maxWaitS")) * 1000,
            maxQueue: Number(f.get("maxQueue")),
          },
          listen: { native: on("native"), bridged: on("bridged"), proxy: on("proxy") },
          voice: on("voice"),
        },
      }), t("cohost.saved"));
  };
  const linkBili = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const cookie = String(f.get("cookie") ?? "");
    act(() =>
      api(`${base}/bridges`, {
        auth: true,
        json: {
          platform: "bilibili",
          roomId: Number(f.get("roomId")),
          ...(cookie ? { cookie } : {}),
        },
      }), t("cohost.linked"));
  };
  const linkRelay = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    let mapping: unknown;
    try {
      mapping = JSON.parse(String(f.get("mapping") || "{}"));
    } catch {
      status.value = t("cohost.badMapping");
      return;
    }
    const token = String(f.get("token") ?? "");
    act(() =>
      api(`${base}/bridges`, {
        auth: true,
        json: {
          platform: "relay",
          name: String(f.get("name")),
          url: String(f.get("url")),
          mapping,
          ...(token ? { token } : {}),
        },
      }), t("cohost.linked"));
  };

  const s = state.value;
  const p = s?.persona;
  return (
    <div class="dash-grid">
      <div class="dash-col">
        <section class="panel-card" aria-labelledby="bridges-h">
          <h2 id="bridges-h">{t("cohost.bridges")}</h2>
          <DataTable
            id="bridge-links"
            headers={[
              t("cohost.link"),
              t("cohost.connected"),
              t("cohost.lastEvent"),
              t("cohost.events"),
              t("cohost.errors"),
              t("cohost.forwarded"),
              <span key="actions" class="visually-hidden">{t("cohost.actions")}</span>,
            ]}
          >
            {links.value.map((l) => {
              const h = l.health?.platform;
              return (
                <tr key={l.id}>
                  <td>{l.label}</td>
                  <td class={h?.connected ? "ok" : "bad"}>
                    {h?.connected ? t("cohost.yes") : t("cohost.no")}
                  </td>
                  <td>{secondsAgo(h?.lastEventAt)}</td>
                  <td>{formatNumber(h?.events ?? 0)}</td>
                  <td>{h?.reconnects ?? 0} / {h?.errors ?? 0} {h?.lastError ?? ""}</td>
                  <td>{formatNumber(l.health?.forwarded ?? 0)}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary small"
                      onClick={() =>
                        act(
                          () => api(`${base}/bridges/${l.id}`, { method: "DELETE", auth: true }),
                          t("cohost.unlinked"),
                        )}
                    >
                      {t("cohost.unlink")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </DataTable>
          {links.value.length === 0 && <p class="muted" id="no-links">{t("cohost.noLinks")}</p>}
          <form class="stack" id="link-bili" onSubmit={linkBili}>
            <label>
              <span>{t("cohost.biliRoom")}</span>
              <input name="roomId" type="number" min={1} required />
            </label>
            <label>
              <span>{t("cohost.cookie")}</span>
              <input name="cookie" type="password" autoComplete="off" />
            </label>
            <button type="submit">{t("cohost.linkBili")}</button>
          </form>
          <form class="stack" id="link-relay" onSubmit={linkRelay}>
            <label>
              <span>{t("cohost.relayName")}</span>
              <input name="name" required value="douyin" />
            </label>
            <label>
              <span>{t("cohost.relayUrl")}</span>
              <input name="url" required />
            </label>
            <label>
              <span>{t("cohost.mapping")}</span>
              <input name="mapping" value='{"text":"content","userId":"user","userName":"user"}' />
            </label>
            <label>
              <span>{t("cohost.relayToken")}</span>
              <input name="token" type="password" autoComplete="off" />
            </label>
            <button type="submit">{t("cohost.linkRelay")}</button>
          </form>
        </section>
      </div>
      <div class="dash-col">
        <section class="panel-card" aria-labelledby="cohost-h">
          <h2 id="cohost-h">{t("cohost.title")}</h2>
          <p id="cohost-state">
            <strong>{s?.state ?? "–"}</strong>{" "}
            <span class="muted">
              {s &&
                t("cohost.counters", { a: s.answered, s: s.skipped, q: s.queue.length })}
            </span>
          </p>
          <p>
            {t("cohost.now")}: {s?.current ? `${s.current.user.name}: ${s.current.text}` : "–"}
          </p>
          <button
            type="button"
            class="secondary"
            onClick={() =>
              act(
                () => api(`${base}/cohost/interrupt`, { method: "POST", auth: true }),
                t("cohost.interrupted"),
              )}
          >
            {t("cohost.interrupt")}
          </button>
          <ul class="plain" id="cohost-queue">
            {s?.queue.map((q) => (
              <li key={q.id}>
                <span class="muted small">{q.platform ?? q.origin}</span> {q.user.name}: {q.text}
                {" "}
                <span class="muted small">{secondsAgo(q.at)}</span>{" "}
                <button
                  type="button"
                  class="secondary small"
                  onClick={() =>
                    act(
                      () => api(`${base}/cohost/skip`, { auth: true, json: { inputId: q.id } }),
                      t("cohost.skipped"),
                    )}
                >
                  {t("qa.skip")}
                </button>
              </li>
            ))}
          </ul>
          {p && (
            <form
              class="stack"
              id="persona-form"
              onSubmit={savePersona}
              key={s?.hasProxyKey ? 1 : 0}
            >
              <h3>{t("cohost.persona")}</h3>
              <label class="check">
                <input name="enabled" type="checkbox" defaultChecked={p.enabled} />
                <span>{t("cohost.enabled")}</span>
              </label>
              <label>
                <span>{t("cohost.name")}</span>
                <input name="name" maxLength={32} defaultValue={p.name} />
              </label>
              <label>
                <span>{t("cohost.style")}</span>
                <textarea name="style" maxLength={400} rows={2} defaultValue={p.style} />
              </label>
              <label>
                <span>{t("cohost.language")}</span>
                <select
                  name="language"
                  defaultValue={p.language === "auto"
                    ? "auto"
                    : p.language.startsWith("zh")
                    ? "zh"
                    : "en"}
                >
                  <option value="auto">{t("lang.auto")}</option>
                  <option value="zh">中文</option>
                  <option value="en">English</option>
                </select>
              </label>
              <label>
                <span>{t("cohost.mustNotSay")}</span>
                <textarea name="mustNotSay" rows={3} defaultValue={p.mustNotSay.join("\n")} />
              </label>
              <label>
                <span>{t("cohost.interruptPhrases")}</span>
                <textarea
                  name="interruptPhrases"
                  rows={2}
                  defaultValue={p.interruptPhrases.join("\n")}
                />
              </label>
              <label>
                <span>{t("cohost.maxWait")}</span>
                <input
                  name="maxWaitS"
                  type="number"
                  min={1}
                  max={3600}
                  defaultValue={String(Math.round(p.stale.maxWaitMs / 1000))}
                />
              </label>
              <label>
                <span>{t("cohost.maxQueue")}</span>
                <input
                  name="maxQueue"
                  type="number"
                  min={1}
                  max={500}
                  defaultValue={String(p.stale.maxQueue)}
                />
              </label>
              <fieldset>
                <legend>{t("cohost.listens")}</legend>
                <label class="check">
                  <input name="native" type="checkbox" defaultChecked={p.listen.native} />
                  <span>{t("cohost.native")}</span>
                </label>
                <label class="check">
                  <input name="bridged" type="checkbox" defaultChecked={p.listen.bridged} />
                  <span>{t("cohost.bridged")}</span>
                </label>
                <label class="check">
                  <input name="proxy" type="checkbox" defaultChecked={p.listen.proxy} />
                  <span>/proxy-ws</span>
                </label>
              </fieldset>
              <label class="check">
                <input name="voice" type="checkbox" defaultChecked={p.voice} />
                <span>{t("cohost.voice")}</span>
              </label>
              <button type="submit">{t("cohost.save")}</button>
            </form>
          )}
          <h3>/proxy-ws</h3>
          <button
            type="button"
            class="secondary"
            onClick={() =>
              act(async () => {
                key.value = (await api<{ key: string }>(`${base}/cohost/proxy-key`, {
                  method: "POST",
                  auth: true,
                })).key;
              }, t("cohost.keyShownOnce"))}
          >
            {t("cohost.newKey")}
          </button>
          <code class="proxy-url">
            {`${location.origin.replace(/^http/, "ws")}/proxy-ws/rooms/${roomId}?key=${
              key.value ?? "…"
            }`}
          </code>
          <h3>{t("cohost.said")}</h3>
          <div class="said" id="cohost-log" aria-live="polite">
            {said.value.map((l, i) => <div key={i}>{l}</div>)}
          </div>
          <p class="muted" role="status" id="cohost-status">{status.value}</p>
        </section>
      </div>
    </div>
  );
}
