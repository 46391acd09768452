/**
 * Reading the JSON a platform's live page embeds in its HTML (the room's data a page script
 * hydrates from), without evaluating any of the page's scripts.
 */

/**
 * The JSON value that starts at `text[start]` (an object or array), found by matching braces
 * outside strings, parsed; undefined when it is not well formed.
 */
export function jsonValueAt(text: string, start: number): unknown {
  const open = text[start];
  if (open !== "{" && open !== "[") return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) {
        try {
          return JSON.parse(text.slice(start, i + 1));
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

/** The JSON object that follows `"key":` in `text` (first occurrence that parses). */
export function jsonObjectAfterKey(text: string, key: string): Record<string, unknown> | undefined {
  const marker = `"${key}":`;
  for (let at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + 1)) {
    let i = at + marker.length;
    while (text[i] === " ") i++;
    const value = jsonValueAt(text, i);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  }
  return undefined;
}

/**
 * The text a streamed React page pushes into `self.__pace_f` (`self.__pace_f.push([1,"…"])`
 * script chunks), each chunk's JavaScript string decoded, joined in page order.
 */
export function flightText(html: string): string {
  const parts: string[] = [];
  const re = /self\.__pace_f\.push\(\[1,("(?:[^"\\]|\\.)*")\]\)/g;
  for (const m of html.matchAll(re)) {
    try {
      parts.push(JSON.parse(m[1]) as string);
    } catch { /* a chunk that is not a JSON-compatible string: skipped */ }
  }
  return parts.join("");
}

/** The text of `<script id="{id}" …>…</script>`, or undefined. */
export function scriptById(html: string, id: string): string | undefined {
  const re = new RegExp(`<script[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</script>`);
  return re.exec(html)?.[1];
}

/** A nested property by path, or undefined when any step is missing. */
export function dig(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

export const str = (v: unknown): string => (typeof v === "string" ? v : "");
