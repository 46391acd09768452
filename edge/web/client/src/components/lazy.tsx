/**
 * A component whose code loads on first render (a chunk of its own): a dashboard tab the
 * streamer may never open, a room panel only some viewers need or a dialog nobody opened yet
 * costs nothing on the page's first load. Says "Loading…" meanwhile, or nothing with
 * `{ quiet: true }` (a panel that simply appears, a dialog that opens once it is in).
 */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/i18n.ts";

/** A lazily loaded component; `preload()` fetches its code ahead (say, when a menu that leads
 * to it opens), so it renders at once when needed. */
export type LazyComponent<P> = ComponentType<P> & { preload(): Promise<unknown> };

// deno-lint-ignore no-explicit-any
export function lazyComponent<P extends Record<string, any>>(
  load: () => Promise<ComponentType<P>>,
  opts: { quiet?: boolean } = {},
): LazyComponent<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const fetchIt = () =>
    loading ??= load().then((c) => (loaded = c), (err) => {
      loading = null; // a failed load (offline) is tried again next time
      throw err;
    });
  function Lazy(props: P) {
    const [Loaded, setLoaded] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Loaded) return;
      let gone = false;
      fetchIt().then((c) => !gone && setLoaded(() => c), () => {});
      return () => (gone = true);
    }, []);
    if (Loaded) return <Loaded {...props} />;
    return opts.quiet ? null : <p class="muted">{t("app.loading")}</p>;
  }
  return Object.assign(Lazy, { preload: () => fetchIt().catch(() => {}) });
}
