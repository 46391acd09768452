/**
 * What the Go live page takes from the effects (through `synapseClient.effects()`, loaded on
 * demand): the switch panel, mounted into an element, and `startEffects` for the captured
 * stream before it is published.
 */
import { render } from "preact";
import { EffectsPanel } from "./panel.tsx";
import { startEffects } from "./effects.ts";
import { effectSettings, updateEffects } from "./settings.ts";

export function mountEffectsPanel(el: Element): () => void {
  render(<EffectsPanel />, el);
  return () => render(null, el);
}

export { studioBackground } from "./compositor.ts";
export { effectSettings, startEffects, updateEffects };
