/**
 * The co-host's voice on a real livekit-server: the server's co-host (local answers, espeak-ng
 * in WebAssembly) speaks a reply into the room's LiveKit room; a subscriber receives the
 * `cohost` track and Silero VAD finds speech in it. An interrupt cuts the audio: the audio that
 * still arrives after the cut is measured in samples (media time) and must stay under 300 ms.
 */
import assert from "node:assert/strict";
import { AccessToken } from "livekit-server-sdk";
import { AudioStream, type RemoteTrack, Room, RoomEvent } from "@livekit/rtc-node";
import { SileroVad } from "../media/audio/vad.ts";
import { startLivekit } from "./helpers/livekit.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const RATE = 16_000;

/** A subscriber that keeps every sample of the co-host's track, with arrival marks. */
async function listen(wsUrl: string, apiKey: string, apiSecret: string, roomName: string) {
  const at = new AccessToken(apiKey, apiSecret, { identity: "listener" });
  at.addGrant({ room: roomName, roomJoin: true, canSubscribe: true, canPublish: false });
  const room = new Room();
  const chunks: Int16Array[] = [];
  let total = 0;
  /** Samples with some energy: in all, and since `mark()`. */
  let loud = 0;
  let loudAfterMark = 0;
  let marking = false;
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant) => {
    if (participant.identity !== `cohost-${roomName}`) return;
    (async () => {
      for await (const f of new AudioStream(track, { sampleRate: RATE, numChannels: 1 })) {
        const s = new Int16Array(f.data);
        chunks.push(s);
        total += s.length;
        let sum = 0;
        for (const x of s) sum += x * x;
        if (Math.sqrt(sum / s.length) > 300) {
          loud += s.length;
          if (marking) loudAfterMark += s.length;
        }
      }
    })().catch(() => {});
  });
  await room.connect(wsUrl, await at.toJwt(), { autoSubscribe: true, dynacast: false });
  return {
    room,
    total: () => total,
    loud: () => loud,
    mark: () => {
      marking = true;
      loudAfterMark = 0;
    },
    loudAfterMark: () => loudAfterMark,
    samples(): Int16Array {
      const out = new Int16Array(total);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      return out;
    },
  };
}

async function speechFrames(samples: Int16Array): Promise<number> {
  const vad = await SileroVad.load();
  let speech = 0;
  for (let i = 0; i + 512 <= samples.length; i += 512) {
    const f = Float32Array.from(samples.subarray(i, i + 512), (x) => x / 32768);
    if (await vad.probability(f) > 0.6) speech++;
  }
  return speech;
}

Deno.test("cohost voice: the reply is spoken on the room's LiveKit track (VAD hears speech); an interrupt cuts it", async () => {
  const lk = await startLivekit();
  const server = await startTestServer({
    env: {
      LIVEKIT_URL: lk.wsUrl,
      LIVEKIT_API_KEY: lk.apiKey,
      LIVEKIT_API_SECRET: lk.apiSecret,
      COHOST_TTS: "local",
    },
  });
  const admin = await server.mintToken({ sub: "root", name: "root", roles: ["admin"] });
  const api = (path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method: body === undefined ? "POST" : "PUT",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  let listener: Awaited<ReturnType<typeof listen>> | undefined;
  const ws = new WebSocket(
    `${server.url.replace("http", "ws")}/proxy-ws/rooms/vroom?token=${admin}`,
  );
  const got: Record<string, unknown>[] = [];
  ws.onmessage = (e) => got.push(JSON.parse(e.data));
  try {
    const put = await api("/api/rooms/vroom/cohost", {
      enabled: true,
      language: "en",
      voice: true,
      name: "Aki",
    });
    assert.equal(put.status, 200);
    await put.body?.cancel();
    listener = await listen(lk.wsUrl, lk.apiKey, lk.apiSecret, "vroom");
    await waitForValue(
      "proxy socket open",
      () => Promise.resolve(got.length > 0 ? true : undefined),
    );

    ws.send(JSON.stringify({ type: "text-input", text: "hello everyone" }));
    await waitForValue("turn ended", () =>
      Promise.resolve(
        got.some((m) => m.type === "control" && m.text === "conversation-chain-end")
          ? true
          : undefined,
      ), { timeoutMs: 60_000 });
    await waitForValue(
      "audio arrived",
      () => Promise.resolve(listener!.total() > RATE ? true : undefined),
    );
    const speech = await speechFrames(listener.samples());
    assert(speech >= 10, `VAD found speech in ${speech} frames of 32 ms`);

    // A long reply, cut once the listener hears it.
    const before = listener.total();
    ws.send(JSON.stringify({ type: "text-input", text: "tell me something long about your day" }));
    await waitForValue(
      "speaking again",
      () => Promise.resolve(listener!.total() > before + RATE / 2 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    listener.mark();
    ws.send(JSON.stringify({ type: "interrupt-signal" }));
    const ends = () =>
      got.filter((m) => m.type === "control" && m.text === "conversation-chain-end").length;
    await waitForValue("second turn ended", () => Promise.resolve(ends() === 2 ? true : undefined));
    // Let whatever was in flight arrive: the track carries silence between sentences, so one
    // more second of media time after the turn's end holds anything the cut let through.
    const afterCut = listener.total();
    await waitForValue(
      "a second more of media",
      () => Promise.resolve(listener!.total() >= afterCut + RATE ? true : undefined),
    );
    assert(got.some((m) => m.type === "interrupt-signal"), "the turn ended as interrupted");
    const loudMs = listener.loudAfterMark() * 1000 / RATE;
    console.log(JSON.stringify({ figure: "cohost_cut_audio_after_interrupt_ms", value: loudMs }));
    assert(loudMs < 300, `${loudMs} ms of audio after the interrupt`);
  } finally {
    ws.close();
    await listener?.room.disconnect();
    await server.close();
    await lk.stop();
  }
});
