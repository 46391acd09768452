/**
 * One coaching tip, `{text, type: welcome|product|interaction|closing, tags, score}`: the
 * schema alone, so the edge's answer schemas name it without loading the tip makers
 * (actors/ai/tips.ts, with language detection and the LLM prompts).
 */
import { z } from "zod";

export const TipType = z.enum(["welcome", "product", "interaction", "closing"]);
export type TipType = z.infer<typeof TipType>;

export const Tip = z.object({
  text: z.string().min(1).max(240),
  type: TipType,
  tags: z.array(z.string().min(1).max(24)).max(6),
  score: z.number().min(0).max(1),
});
export type Tip = z.infer<typeof Tip>;
