/**
 * The summary of a finished meeting: an overview, the decisions taken and the action items,
 * each attributed to the speaker who said it. With an LLM configured the transcript (caption
 * lines with speakers, and the meeting's chat) is condensed by the model and its answer is
 * validated; otherwise, or when the model fails, a local pass picks the lines that state a
 * decision ("we decided", "agreed", "决定", "同意") or commit someone to work ("I will",
 * "action item", "todo", "负责", "我来") — labelled `local` either way, never passed off as a
 * model's.
 */
import { z } from "zod";
import { askOrLocal, type LlmClient } from "./llm/client.ts";
import type { Source } from "./source.ts";

export interface SpokenLine {
  /** Display name of the speaker (or writer, for chat). */
  name: string;
  text: string;
  at: number;
}

export interface MeetingSummaryOut {
  source: Source;
  overview: string;
  decisions: { text: string; by: string }[];
  actionItems: { text: string; owner: string }[];
}

const DECISION =
  /\b(we (?:have )?decided|decision|agreed|we will go with|let'?s go with|approved)\b|决定|同意|通过|定了|就这么办/i;
const ACTION =
  /\b(i will|i'll|we will|we'll|action item|todo|to-do|will (?:send|write|fix|prepare|review|check|follow up)|follow up|by (?:monday|tuesday|wednesday|thursday|friday|tomorrow|next week))\b|负责|我来|待办|跟进|截止/i;
/** "Alice will …", "@bob to …": the owner named in the line, else the speaker. */
const NAMED_OWNER = /^(?:@?([\p{L}][\p{L}\p{N}_-]{0,31}))\s+(?:will|to|should|needs to)\b/iu;

const MAX_ITEMS = 12;
const MAX_LINES_IN_PROMPT = 400;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The local pass: decision and action lines, attributed; an extractive overview. */
export function localMeetingSummary(lines: SpokenLine[]): Omit<MeetingSummaryOut, "source"> {
  const decisions: MeetingSummaryOut["decisions"] = [];
  const actionItems: MeetingSummaryOut["actionItems"] = [];
  for (const l of lines) {
    const text = l.text.trim();
    if (!text) continue;
    if (DECISION.test(text) && decisions.length < MAX_ITEMS) {
      decisions.push({ text: clip(text, 200), by: l.name });
    } else if (ACTION.test(text) && actionItems.length < MAX_ITEMS) {
      const named = NAMED_OWNER.exec(text)?.[1];
      const owner = named && !/^(i|we|you)$/i.test(named) ? named : l.name;
      actionItems.push({ text: clip(text, 200), owner });
    }
  }
  const speakers = [...new Set(lines.map((l) => l.name))];
  const overview = lines.length === 0
    ? "Nothing was said in captions or chat."
    : `${lines.length} lines from ${speakers.length} speaker(s) (${
      speakers.slice(0, 8).join(", ")
    }); ${decisions.length} decision(s), ${actionItems.length} action item(s).`;
  return { overview, decisions, actionItems };
}

const LlmSummary = z.object({
  overview: z.string().min(1).max(2000),
  decisions: z.array(z.object({ text: z.string().min(1).max(400), by: z.string().max(64) }))
    .max(MAX_ITEMS),
  actionItems: z.array(
    z.object({ text: z.string().min(1).max(400), owner: z.string().max(64) }),
  ).max(MAX_ITEMS),
});

/** Summarise a meeting (`meetingId` only names the task in the LLM's usage accounting). */
export async function summariseMeeting(
  meetingId: string,
  lines: SpokenLine[],
  llm: LlmClient | null,
): Promise<MeetingSummaryOut> {
  const sampled = lines.slice(-MAX_LINES_IN_PROMPT).map((l) =>
    `[${new Date(l.at).toISOString().slice(11, 19)}] ${l.name}: ${clip(l.text, 300)}`
  );
  const out = await askOrLocal(llm, {
    room: `meeting:${meetingId}`,
    purpose: "meeting_summary",
    system: "You write the minutes of a finished meeting from its transcript (speaker: text). " +
      "Use the meeting's language. Attribute every decision to who proposed or confirmed it " +
      "and every action item to its owner, using the speakers' names as written. Answer JSON " +
      '{"overview": string (2-4 sentences), "decisions": [{"text": string, "by": string}], ' +
      '"actionItems": [{"text": string, "owner": string}]}.',
    user: sampled.join("\n") || "(no transcript)",
    schema: LlmSummary,
    maxTokens: 1200,
  }, () => localMeetingSummary(lines));
  return { ...out.value, source: out.source };
}
