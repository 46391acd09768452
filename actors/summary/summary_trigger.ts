/**
 * After a recording stops and its captions are complete: analyse its last window and
 * summarise it. Waits (bounded) for the media service to index the stop, so the last
 * segments are in the index first.
 */
import { analyseLastWindow, type Teller } from "../segment/analysis_trigger.ts";
import type { RecordingIndex } from "../recording/recording_index.ts";
import { SUMMARY_ACTOR_TYPE } from "./address.ts";

export async function onRecordingFinished(
  deps: { index: RecordingIndex; actors: Teller; windowMs: number; waitMs?: number },
  recordingId: string,
): Promise<void> {
  const deadline = Date.now() + (deps.waitMs ?? 15_000);
  while (Date.now() < deadline) {
    const rec = await deps.index.recording(recordingId);
    if (rec && rec.state !== "recording" && rec.state !== "paused") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await analyseLastWindow(deps.index, deps.actors, recordingId, deps.windowMs);
  deps.actors.tell(SUMMARY_ACTOR_TYPE, recordingId, { kind: "summarise" });
}
