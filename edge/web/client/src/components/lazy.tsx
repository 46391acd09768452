/**
 * A component whose code loads on first render (a chunk of its own): a dashboard tab the
 * streamer may never open costs nothing on the page's first load. Says "Loading…" meanwhile.
 */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/i18n.ts";

// deno-lint-ignore no-explicit-any
export function lazyComponent<P extends Record<string, any>>(
  load: () => Promise<ComponentType<P>>,
): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function Lazy(props: P) {
    const [Loaded, setLoaded] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Loaded) return;
      load().then((c) => {
        loaded = c;
        setLoaded(() => c);
      });
    }, []);
    return Loaded ? <Loaded {...props} /> : <p class="muted">{t("studio.loading")}</p>;
  };
}
