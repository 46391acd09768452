/**
 * Live captions say who spoke: through livekit-server and the real recorder, the streamer
 * (alice) and a guest on stage (gina, a LiveKit guest) take turns saying espeak-ng phrases on
 * their own microphones; each person's track is captioned on its own (SpeakerCaptions), and
 * the room's `caption` events, the stored rows and the WebVTT track (`<v Gina>`) name the
 * speaker of each phrase.
 */
import assert from "node:assert/strict";
import { matchPhrases, runCaptionScenario } from "./helpers/live_caption_scenario.ts";
import { STREAMER_PHRASES } from "./helpers/speech.ts";

const words = (s: string) => new Set(s.toLowerCase().match(/[a-z]+/g) ?? []);

Deno.test({
  name: "speaker captions: the streamer's and a guest's phrases are captioned with their names",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const phrases = STREAMER_PHRASES.slice(0, 3);
    const speakers = ["alice", "gina", "alice"];
    const r = await runCaptionScenario({
      phrases,
      speakers,
      live: true,
      segmentSeconds: 4,
      tailSegments: 2,
    });
    const captions = r.log.flatMap((s) => s.kind === "caption" ? [s.cue] : []);
    assert.ok(captions.length >= phrases.length, `captions: ${captions.length}`);
    // Every caption names a speaker; each phrase's caption names the one who said it.
    for (const c of captions) assert.ok(c.speaker, `caption without a speaker: ${c.text}`);
    for (const m of matchPhrases(r)) {
      assert.ok(m.caption !== undefined, `no caption for "${m.phrase.text}"`);
      const cue = (r.log[m.caption!] as { cue: (typeof captions)[number] }).cue;
      assert.equal(cue.speaker?.id, m.phrase.speaker, `"${m.phrase.text}" heard as ${cue.text}`);
    }
    const gina = captions.filter((c) => c.speaker?.id === "gina");
    assert.ok(gina.every((c) => c.speaker?.name === "Gina"));
    // The words heard in gina's captions are hers, not the streamer's.
    const hers = words(phrases[1]);
    const heard = [...words(gina.map((c) => c.text).join(" "))];
    assert.ok(heard.filter((w) => hers.has(w)).length >= 2, `gina heard as ${heard.join(" ")}`);
    // Stored with the speaker; the WebVTT track marks the voices.
    assert.equal(r.stored.length, captions.length);
    assert.ok(r.stored.every((row) => row.speaker?.id === "alice" || row.speaker?.id === "gina"));
    assert.ok(r.vtt?.includes("<v Gina>"), r.vtt);
  },
});
