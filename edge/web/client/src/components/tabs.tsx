/**
 * Tabs (WAI-ARIA tabs pattern): a tablist of buttons, arrow keys move between them, the open
 * tab is in the URL's hash (`#ai`) so a link or a reload opens it. Closed panels are not
 * rendered, but a tab's state that must survive (a live publication) lives outside it.
 */
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";

export interface Tab {
  id: string;
  label: string;
  body: () => ComponentChildren;
}

export function Tabs({ tabs, label }: { tabs: Tab[]; label: string }) {
  const fromHash = () => tabs.find((tab) => `#${tab.id}` === location.hash)?.id ?? tabs[0].id;
  const open = useSignal(fromHash());
  useEffect(() => {
    const onHash = () => (open.value = fromHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const select = (id: string, focus = false) => {
    open.value = id;
    history.replaceState(null, "", `#${id}`);
    if (focus) document.getElementById(`tab-${id}`)?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((tab) => tab.id === open.value);
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    select(tabs[(i + step + tabs.length) % tabs.length].id, true);
  };
  const current = tabs.find((tab) => tab.id === open.value) ?? tabs[0];
  return (
    <>
      <div class="tabs" role="tablist" aria-label={label} onKeyDown={onKey}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            id={`tab-${tab.id}`}
            role="tab"
            type="button"
            aria-selected={tab.id === current.id}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === current.id ? 0 : -1}
            onClick={() => select(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div
        class="tab-panel"
        role="tabpanel"
        id={`panel-${current.id}`}
        aria-labelledby={`tab-${current.id}`}
      >
        {current.body()}
      </div>
    </>
  );
}
