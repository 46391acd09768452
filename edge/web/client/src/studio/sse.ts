/** Server-Sent Events as the signed-in user (`access_token` in the query: EventSource sends no
 * headers). Returns a closer; `on` maps event names to handlers of their parsed data. */
import { accessToken } from "../api.ts";

export function openEvents(
  path: string,
  on: Record<string, (data: unknown) => void>,
): () => void {
  let source: EventSource | null = null;
  let closed = false;
  accessToken().then((token) => {
    if (closed || !token) return;
    const sep = path.includes("?") ? "&" : "?";
    source = new EventSource(`/api${path}${sep}access_token=${encodeURIComponent(token)}`);
    for (const [name, fn] of Object.entries(on)) {
      source.addEventListener(name, (m) => fn(JSON.parse((m as MessageEvent).data)));
    }
  }, () => {});
  return () => {
    closed = true;
    source?.close();
  };
}
