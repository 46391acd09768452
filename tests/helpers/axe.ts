/**
 * An axe-core accessibility scan of a page (axe's own script injected by playwright-core):
 * the violations of impact "serious" or "critical", each as `id: help (n nodes: selectors)`.
 */
import type { AxeResults } from "axe-core";
import type { Page } from "playwright-core";

const AXE_SCRIPT = new URL("../../node_modules/axe-core/axe.min.js", import.meta.url);

export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) {
    await page.addScriptTag({ content: await Deno.readTextFile(AXE_SCRIPT) });
  }
  const results = await page.evaluate(
    "window.axe.run(document, { resultTypes: ['violations'] })",
  ) as AxeResults;
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) =>
      `${v.id}: ${v.help} (${v.nodes.length} nodes: ${
        v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")
      })`
    );
}
