/** The page's transient notice (`#notice`, a status region in index.html and page.html). */
let timer: ReturnType<typeof setTimeout> | undefined;

export function notice(text: string): void {
  const n = document.getElementById("notice");
  if (!n) return;
  n.textContent = text;
  n.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => (n.hidden = true), 6000);
}
