/**
 * The menu of one chat message, opened by its "⋯" button or a right-click on the line or on
 * the flying danmaku: "Report message…" (someone else's message; signed-in viewers) and, for
 * those who may moderate (the room checks again), mute / unmute / ban / unban of its author.
 * A menu in the ARIA sense: focus moves into it, arrows move between items, Escape closes it
 * and gives focus back to the button that opened it.
 */
import { signal, useSignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import { currentUser } from "../../api.ts";
import { t } from "../../i18n/i18n.ts";
import type { MessageKey } from "../../i18n/messages_en.ts";
import type { RoomConnection } from "./connection.ts";
import { ReportDialog, type ReportedMessage } from "./report.tsx";

export interface MenuMessage extends ReportedMessage {
  userId: string;
}

interface OpenMenu {
  msg: MenuMessage;
  at: { x: number; y: number };
  /** Where focus goes back when the menu closes. */
  trigger: HTMLElement | null;
}

const menu = signal<OpenMenu | null>(null);

export function openMessageMenu(
  msg: MenuMessage,
  at: { x: number; y: number },
  trigger: HTMLElement | null,
): void {
  menu.value = { msg, at, trigger };
}

/** A right-click on a flying danmaku (`.danmaku` with data-id/user/name) opens its menu. */
export function onDanmakuContextMenu(e: MouseEvent): void {
  const el = (e.target as HTMLElement).closest<HTMLElement>(".danmaku[data-id][data-user]");
  if (!el) return;
  e.preventDefault();
  openMessageMenu(
    {
      id: el.dataset.id!,
      userId: el.dataset.user!,
      who: el.dataset.name ?? "",
      text: el.textContent ?? "",
    },
    { x: e.clientX, y: e.clientY },
    null,
  );
}

const MOD_ACTIONS: {
  label: MessageKey;
  action: "mute" | "unmute" | "ban" | "unban";
  seconds?: number;
  danger?: boolean;
}[] = [
  { label: "mod.mute10", action: "mute", seconds: 600 },
  { label: "mod.mute60", action: "mute", seconds: 3600 },
  { label: "mod.unmute", action: "unmute" },
  { label: "mod.ban", action: "ban", danger: true },
  { label: "mod.unban", action: "unban" },
];

const MENU_W = 190;
const MENU_H = 240;

export function MessageMenu(
  { room, notice }: { room: RoomConnection; notice: (s: string) => void },
) {
  const reporting = useSignal<ReportedMessage | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const open = menu.value;
  const me = room.me.value;
  const others = !!open && open.msg.userId !== me?.userId;
  const moderate = others && room.canModerate();
  const close = (refocus: boolean) => {
    const trigger = menu.value?.trigger;
    menu.value = null;
    if (refocus) trigger?.focus();
  };
  // Focus moves into the menu in the same task that shows it (a layout effect, not an effect,
  // which Preact defers to the next frame): otherwise a key pressed right after the menu
  // appears still lands on the "⋯" button that opened it and reopens the menu instead of
  // choosing an item.
  useLayoutEffect(() => {
    if (!open) return;
    box.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    // The report dialog's code, so that choosing Report opens it at once.
    void ReportDialog.preload();
    const outside = (e: Event) => {
      if (!box.current?.contains(e.target as Node)) close(false);
    };
    document.addEventListener("pointerdown", outside, true);
    return () => document.removeEventListener("pointerdown", outside, true);
  }, [open]);
  let counter = 0;
  const items = open && others
    ? [
      <button
        key="report"
        type="button"
        role="menuitem"
        data-action="report"
        onClick={() => {
          const msg = open.msg;
          close(true);
          if (!currentUser.value) return notice(t("report.signInMessage"));
          reporting.value = { id: msg.id, who: msg.who, text: msg.text };
        }}
      >
        {t("msg.report")}
      </button>,
      ...(moderate
        ? MOD_ACTIONS.map((a) => (
          <button
            key={a.action + (a.seconds ?? "")}
            type="button"
            role="menuitem"
            class={a.danger ? "danger" : undefined}
            data-action={a.action + (a.seconds ? `-${a.seconds}` : "")}
            onClick={() => {
              room.send({
                type: "mod",
                action: a.action,
                target: open.msg.userId,
                ...(a.seconds ? { seconds: a.seconds } : {}),
                clientId: `mod${Date.now().toString(36)}${++counter}`,
              });
              close(true);
            }}
          >
            {t(a.label)}
          </button>
        ))
        : []),
    ]
    : [];
  const onKey = (e: KeyboardEvent) => {
    const all = [...(box.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
    const i = all.indexOf(document.activeElement as HTMLElement);
    if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      close(true);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      all[(i + step + all.length) % all.length]?.focus();
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      (e.key === "Home" ? all[0] : all.at(-1))?.focus();
    }
  };
  return (
    <>
      {open && items.length > 0 && (
        <div
          id="mod-menu"
          class="mod-menu"
          role="menu"
          aria-label={t("msg.actions", { name: open.msg.who })}
          ref={box}
          onKeyDown={onKey}
          style={{
            left: `${Math.max(4, Math.min(open.at.x, innerWidth - MENU_W))}px`,
            top: `${Math.max(4, Math.min(open.at.y, innerHeight - MENU_H))}px`,
          }}
        >
          <div class="mod-title" aria-hidden="true">{open.msg.who || open.msg.userId}</div>
          {items}
        </div>
      )}
      {reporting.value && (
        <ReportDialog
          roomId={room.roomId}
          message={reporting.value}
          notice={notice}
          onClose={() => (reporting.value = null)}
        />
      )}
    </>
  );
}
