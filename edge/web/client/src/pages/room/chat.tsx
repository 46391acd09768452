/**
 * The room's chat list: every danmaku (the flying ones are aria-hidden: this list carries the
 * same text for screen readers, as a polite live region), gifts, system lines and dividers
 * saying what the viewer missed. The newest 200 lines are kept; a retracted message leaves.
 * Each message has a "⋯" button (keyboard reachable; a right-click on the line does the same)
 * that opens its menu (message_menu.tsx): report it, and for room admins mute or ban its author.
 */
import { signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { t } from "../../i18n/i18n.ts";
import { openMessageMenu } from "./message_menu.tsx";

export interface ChatLine {
  key: string;
  kind: "msg" | "gift" | "sys" | "cohost" | "divider";
  who?: string;
  text: string;
  userId?: string;
  msgId?: string;
}

const MAX_LINES = 200;

export class ChatStore {
  readonly lines = signal<ChatLine[]>([]);
  #n = 0;

  add(line: Omit<ChatLine, "key"> & { key?: string }): void {
    const next = [...this.lines.value, { ...line, key: line.key ?? `l${++this.#n}` }];
    this.lines.value = next.length > MAX_LINES ? next.slice(-MAX_LINES) : next;
  }

  /** A divider; with `key`, replaces the divider of that key when it is still shown. */
  divider(text: string, key?: string): void {
    if (key && this.lines.value.some((l) => l.key === key)) {
      this.lines.value = this.lines.value.map((l) => l.key === key ? { ...l, text } : l);
      return;
    }
    this.add({ kind: "divider", text, key });
  }

  retract(msgId: string): void {
    this.lines.value = this.lines.value.filter((l) => l.msgId !== msgId);
  }
}

/** `selfId`: the viewer, whose own lines get no menu. */
export function ChatList({ store, selfId }: { store: ChatStore; selfId?: string }) {
  const list = useRef<HTMLOListElement>(null);
  const lines = store.lines.value;
  // Follow the newest line unless the viewer scrolled up to read.
  useEffect(() => {
    const box = list.current?.parentElement;
    if (!box) return;
    const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    if (nearEnd) box.scrollTop = box.scrollHeight;
  }, [lines]);
  return (
    <ol
      id="chat"
      ref={list}
      onContextMenu={(e) => {
        const li = (e.target as HTMLElement).closest<HTMLElement>("li[data-msg]");
        const line = lines.find((l) => l.key === li?.dataset.key);
        if (!line?.msgId || !line.userId || line.userId === selfId) return;
        e.preventDefault();
        openMessageMenu(
          { id: line.msgId, userId: line.userId, who: line.who ?? "", text: line.text },
          { x: e.clientX, y: e.clientY },
          li!.querySelector<HTMLElement>(".line-actions"),
        );
      }}
      class="chat"
      aria-live="polite"
      aria-relevant="additions"
      aria-label={t("room.chat")}
    >
      {lines.map((l) =>
        l.kind === "divider" ? <li key={l.key} class="chat-divider">{l.text}</li> : (
          <li
            key={l.key}
            data-user={l.userId}
            data-name={l.userId ? l.who : undefined}
            data-msg={l.msgId}
            data-key={l.key}
          >
            {l.who && <span class="who">{l.who}</span>}
            <span class={l.kind === "msg" ? undefined : l.kind}>{l.text}</span>
            {l.kind === "msg" && l.msgId && l.userId && l.userId !== selfId && (
              <button
                type="button"
                class="line-actions"
                aria-haspopup="menu"
                aria-label={t("msg.actions", { name: l.who ?? "" })}
                onClick={(e) => {
                  const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
                  openMessageMenu(
                    { id: l.msgId!, userId: l.userId!, who: l.who ?? "", text: l.text },
                    { x: r.left, y: r.bottom },
                    e.currentTarget as HTMLElement,
                  );
                }}
              >
                ⋯
              </button>
            )}
          </li>
        )
      )}
    </ol>
  );
}
