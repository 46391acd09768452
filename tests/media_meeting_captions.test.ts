/**
 * Meeting captions from real speech: in a meeting room on a started server (real
 * livekit-server, MinIO, Postgres, the server's own recorder and live captions), the host and
 * an admitted participant each publish espeak-ng speech through @livekit/rtc-node; the host
 * starts the recording; each person's track is captioned on its own, so the meeting's
 * `caption` events name the one who spoke, and the transcript behind the end-of-meeting
 * summary (labelled `local`: no LLM here) keeps that attribution.
 */
import assert from "node:assert/strict";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson as call, registerUser as register } from "./helpers/http.ts";
import { pcm48k, SpeakingStreamer } from "./helpers/live_caption_scenario.ts";
import { startMediaServer } from "./helpers/media_server.ts";
import { speak } from "./helpers/speech.ts";

const ROOM = "meet-captions";
const HOST_SAYS = "we decided to ship the new player on friday";
const BOB_SAYS = "i will send the report to the team tomorrow morning";
const words = (s: string) => new Set(s.toLowerCase().match(/[a-z]+/g) ?? []);

Deno.test({
  name: "meeting captions: two participants' espeak speech is captioned per speaker",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    const dir = await Deno.makeTempDir({ prefix: "meeting-captions-" });
    cleanups.push(() => Deno.remove(dir, { recursive: true }));
    try {
      const { server, lk } = await startMediaServer(cleanups, { bucket: "meetcap", livekit: true });
      const base = server.url;
      const host = await register(base, "cap_host");
      const bob = await register(base, "cap_bob");
      const made = await call(base, "/api/rooms", {
        token: host.token,
        json: { id: ROOM, title: "Captions", kind: "meeting" },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const meeting = (token: string, json?: unknown) =>
        call(base, `/api/rooms/${ROOM}/meeting`, json ? { token, json } : { token });
      assert.equal((await meeting(host.token, { op: "join" })).body.me, "host");
      assert.equal((await meeting(bob.token, { op: "join" })).body.me, "waiting");
      const admitted = await meeting(host.token, { op: "admit", userId: bob.id });
      assert.equal(admitted.body.view.members.length, 2, JSON.stringify(admitted.body));
      const { viewer: hostWs } = await TestViewer.join(server.wsUrl(ROOM), ROOM, host.token);
      cleanups.push(() => hostWs.close());

      const voices = new Map<string, SpeakingStreamer>();
      for (const who of [host, bob]) {
        const t = await call(base, `/api/media/token?roomId=${ROOM}`, { token: who.token });
        assert.equal(t.status, 200, JSON.stringify(t.body));
        assert.equal(t.body.role, "participant");
        const voice = new SpeakingStreamer();
        cleanups.push(() => voice.stop());
        await voice.start(lk!.wsUrl, t.body.token);
        voices.set(who.id, voice);
      }
      const rec = await call(base, "/api/recording/start", {
        token: host.token,
        json: { roomId: ROOM },
      });
      assert.ok(rec.status === 200 || rec.status === 201, JSON.stringify(rec.body));

      const captionOf = (userId: string) => (f: Frame) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "meeting" && e.op === "caption" && e.userId === userId);
      // The recording needs a moment to subscribe: say each phrase until it is captioned.
      const sayUntilCaptioned = async (userId: string, text: string, name: string) => {
        const pcm = await pcm48k(await speak(dir, name, text));
        const heard = hostWs.next(captionOf(userId), 240_000);
        heard.catch(() => {});
        for (let i = 0; i < 8; i++) {
          await voices.get(userId)!.say(pcm);
          const got = await Promise.race([
            heard,
            new Promise<null>((r) => setTimeout(() => r(null), 15_000)),
          ]);
          if (got) return got;
        }
        return await heard;
      };
      await sayUntilCaptioned(host.id, HOST_SAYS, "host");
      await sayUntilCaptioned(bob.id, BOB_SAYS, "bob");

      // Every meeting caption names a member; each one's words are theirs.
      const captions = hostWs.frames.flatMap((f) =>
        f.type === "batch"
          ? f.events.filter((e: Frame) => e.t === "meeting" && e.op === "caption")
          : []
      );
      for (const c of captions) {
        assert.ok([host.id, bob.id].includes(c.userId), JSON.stringify(c));
        assert.equal(c.line.userId, c.userId);
        assert.equal(c.line.name, c.userId === host.id ? "cap_host" : "cap_bob");
      }
      const heardBy = (id: string) =>
        words(captions.filter((c) => c.userId === id).map((c) => c.line.text).join(" "));
      for (const [id, said] of [[host.id, HOST_SAYS], [bob.id, BOB_SAYS]] as const) {
        const mine = words(said);
        const heard = [...heardBy(id)];
        assert.ok(heard.filter((w) => mine.has(w)).length >= 2, `${id} heard as ${heard}`);
      }
      // The plain caption events say who spoke too.
      const plain = hostWs.frames.flatMap((f) =>
        f.type === "batch" ? f.events.filter((e: Frame) => e.t === "caption") : []
      );
      assert.ok(plain.every((e: Frame) => e.c.speaker?.id), JSON.stringify(plain.slice(0, 3)));

      // The end: the summary is written from the attributed transcript.
      const ended = await meeting(host.token, { op: "end" });
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      const summaryEvent = await hostWs.next(
        (f) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "meeting" && e.op === "summary"),
        90_000,
      );
      const view = summaryEvent.events.find((e: Frame) => e.op === "summary").meeting;
      const lines = view.captions as Frame[];
      for (const id of [host.id, bob.id]) {
        assert.ok(lines.some((l) => l.userId === id), `no transcript line of ${id}`);
      }
      const summary = view.summary;
      assert.equal(summary.source, "local");
      for (const name of ["cap_host", "cap_bob"]) {
        assert.ok(summary.overview.includes(name), summary.overview);
      }
      // each decision and action item comes from a line, credited to whoever said that line
      const saidBy = (text: string) => lines.find((l) => l.text.startsWith(text.slice(0, 40)));
      for (const d of summary.decisions) assert.equal(saidBy(d.text)?.name, d.by, d.text);
      for (const a of summary.actionItems) {
        assert.ok(["cap_host", "cap_bob"].includes(a.owner), JSON.stringify(a));
      }
      console.log(JSON.stringify({ captions: captions.map((c) => [c.line.name, c.line.text]) }));
      console.log(JSON.stringify({ summary }));
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
