/**
 * The room's chat list: every danmaku (the flying ones are aria-hidden: this list carries the
 * same text for screen readers, as a polite live region), gifts, system lines and dividers
 * saying what the viewer missed. The newest 200 lines are kept; a retracted message leaves.
 */
import { signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { t } from "../../i18n/i18n.ts";

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

export function ChatList({ store }: { store: ChatStore }) {
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
          >
            {l.who && <span class="who">{l.who}</span>}
            <span class={l.kind === "msg" ? undefined : l.kind}>{l.text}</span>
          </li>
        )
      )}
    </ol>
  );
}
