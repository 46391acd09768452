/**
 * `/proxy-ws/rooms/:roomId` end to end on the real server with the co-host actor and the local
 * OpenAI-compatible stand-in: Open-LLM-VTuber's flow with two clients (FIFO order, one turn at
 * a time, the transcription to the other client, every message to both), an interrupt-signal
 * mid-reply, garbage frames answered with `error` while the socket carries on, and access
 * (token of a room manager, per-room proxy key).
 */
import assert from "node:assert/strict";
import { startFakeOpenAi } from "./helpers/fake_openai.ts";
import { parseWav } from "../actors/cohost/voice/wav.ts";
import type { CoHostEvent } from "../actors/cohost/events.ts";
import { OlvTranslator } from "../edge/proxy_ws/olv_protocol.ts";
import { decodePcm16k } from "../media/audio/pcm.ts";
import { speak } from "./helpers/speech.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

type Msg = Record<string, unknown> & { type: string };

class OlvClient {
  readonly messages: Msg[] = [];
  readonly ws: WebSocket;
  closed = false;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (e) => this.messages.push(JSON.parse(e.data));
    this.ws.onclose = () => (this.closed = true);
  }

  static async open(url: string): Promise<OlvClient> {
    const c = new OlvClient(url);
    await c.until("init", (m) => m.type === "set-model-and-conf");
    return c;
  }

  send(m: unknown): void {
    this.ws.send(typeof m === "string" ? m : JSON.stringify(m));
  }

  until(what: string, pred: (m: Msg) => boolean, from = 0): Promise<Msg> {
    return waitForValue(what, () => Promise.resolve(this.messages.slice(from).find(pred)), {
      stepMs: 10,
      timeoutMs: 20_000,
    });
  }

  /** The turn-shaped messages, as short strings. */
  flow(): string[] {
    return this.messages.flatMap((m) => {
      if (m.type === "user-input-transcription") return [`heard:${m.text}`];
      if (m.type === "control") return [String(m.text)];
      if (m.type === "audio") return [`say:${(m.display_text as { text: string }).text}`];
      return [];
    });
  }

  close(): void {
    this.ws.close();
  }
}

async function setup(
  opts: {
    voice?: boolean;
    roomOptions?: TestServerOptions["roomOptions"];
    env?: Record<string, string>;
  } = {},
) {
  const llm = startFakeOpenAi();
  llm.chatReply = (messages) => {
    const last = String(messages[messages.length - 1].content);
    return `Got it. You said ${last.split(": ").slice(1).join(": ")}.`;
  };
  const server = await startTestServer({
    env: {
      LLM_BASE_URL: llm.url,
      LLM_MODEL: "fake",
      LLM_API_KEY: "k",
      // Spoken input: the OpenAI-compatible transcription stand-in.
      ASR_ENGINE: "remote",
      ASR_BASE_URL: llm.url,
      ASR_MODEL: "whisper-1",
      ...opts.env,
    },
    roomOptions: opts.roomOptions,
  });
  const admin = await server.mintToken({ sub: "root", name: "root", roles: ["admin"] });
  const api = (path: string, init: RequestInit = {}, token = admin) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
  const put = await api("/api/rooms/r1/cohost", {
    method: "PUT",
    body: JSON.stringify({
      enabled: true,
      name: "Aki",
      language: "en",
      voice: opts.voice ?? false,
    }),
  });
  assert.equal(put.status, 200, await put.clone().text());
  await put.body?.cancel();
  const wsUrl = (q: string) => `${server.url.replace("http", "ws")}/proxy-ws/rooms/r1?${q}`;
  return { llm, server, admin, api, wsUrl };
}

async function teardown(
  s: { llm: { close(): Promise<void> }; server: TestServer },
  clients: OlvClient[],
) {
  for (const c of clients) c.close();
  await s.server.close();
  await s.llm.close();
}

Deno.test("proxy-ws: two clients, FIFO turns, transcription to the other, broadcast to all", async () => {
  const s = await setup();
  const a = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  const b = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  try {
    a.send({ type: "text-input", text: "one" });
    b.send({ type: "text-input", text: "two" });
    a.send({ type: "text-input", text: "three" });
    for (const c of [a, b]) {
      await waitForValue("three turns ended", () =>
        Promise.resolve(
          c.flow().filter((x) => x === "conversation-chain-end").length === 3 ? true : undefined,
        ), { stepMs: 20, timeoutMs: 20_000 });
    }
    const turn = (t: string, heard: boolean) => [
      ...(heard ? [`heard:${t}`] : []),
      "conversation-chain-start",
      "say:Got it.",
      `say:You said ${t}.`,
      "conversation-chain-end",
    ];
    // A sent one and three: it hears only two; B hears one and three.
    assert.deepEqual(a.flow(), [
      ...turn("one", false),
      ...turn("two", true),
      ...turn("three", false),
    ]);
    assert.deepEqual(b.flow(), [
      ...turn("one", true),
      ...turn("two", false),
      ...turn("three", true),
    ]);
    const audio = a.messages.find((m) => m.type === "audio")!;
    assert.deepEqual(audio.display_text, { text: "Got it.", name: "Aki", avatar: "" });
    assert.equal(s.llm.requests.length, 3);

    const status = await (await s.api("/api/rooms/r1/cohost")).json();
    assert.equal(status.state, "idle");
    assert.equal(status.answered, 3);
  } finally {
    await teardown(s, [a, b]);
  }
});

Deno.test("proxy-ws: each sentence's audio is its speech as base64 WAV with 20 ms volumes; the room's moderation withholds what its chat would hide", async () => {
  // The room's own rules: a custom blocklist word, and links (not in the default list).
  const s = await setup({
    voice: true,
    roomOptions: {
      ai: { blocklist: [{ term: "durian", category: "spam", severity: 2, match: "any" }] },
    },
  });
  s.llm.chatReply = () =>
    "Hello there. I love DURIAN cake. Visit www.cheap-skins.xyz now. Bye for now.";
  const a = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  try {
    a.send({ type: "text-input", text: "hi" });
    await a.until("turn ended", (m) => m.type === "control" && m.text === "conversation-chain-end");
    const audio = a.messages.filter((m) => m.type === "audio");
    assert.deepEqual(
      audio.map((m) => (m.display_text as { text: string }).text),
      ["Hello there.", "Bye for now."],
      "the blocklisted word and the link were withheld",
    );
    for (const m of audio) {
      assert.equal(typeof m.audio, "string", "speech, not null");
      const wav = parseWav(Uint8Array.fromBase64(m.audio as string));
      const seconds = wav.samples.length / wav.sampleRate;
      assert(seconds > 0.3 && seconds < 5, `${seconds} s of speech`);
      const volumes = m.volumes as number[];
      assert.equal(m.slice_length, 20);
      assert.equal(volumes.length, Math.ceil(seconds * 50));
      assert.equal(Math.max(...volumes), 1);
      assert(volumes.filter((v) => v > 0.1).length > volumes.length / 4, "mostly voiced");
      assert.equal(m.actions, null);
    }
    // The viewers' batches carry the sentences, never the audio.
    const status = await (await s.api("/api/rooms/r1/cohost")).json();
    assert.equal(status.answered, 1);
  } finally {
    await teardown(s, [a]);
  }
});

Deno.test("proxy-ws: interrupt-signal ends the turn mid-reply and the next input starts", async () => {
  const s = await setup();
  s.llm.streamDelayMs = 25;
  s.llm.chatReply = (messages) => {
    const last = String(messages[messages.length - 1].content);
    return last.endsWith("long")
      ? "First part. " + "More and more words here. ".repeat(30)
      : "Short.";
  };
  const a = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  const b = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  try {
    a.send({ type: "text-input", text: "long" });
    b.send({ type: "text-input", text: "next" });
    await b.until("first sentence", (m) => m.type === "audio");
    b.send({ type: "interrupt-signal", text: "" });
    for (const c of [a, b]) {
      await c.until(
        "second turn spoken",
        (m) => m.type === "audio" && (m.display_text as { text: string }).text === "Short.",
      );
    }
    const flow = a.flow();
    const firstEnd = flow.indexOf("conversation-chain-end");
    assert(firstEnd > 0 && firstEnd < 10, `the long reply was cut: ${flow.slice(0, 12)}`);
    assert.deepEqual(flow.slice(firstEnd, firstEnd + 3), [
      "conversation-chain-end",
      "heard:next",
      "conversation-chain-start",
    ]);
    assert(
      a.messages.some((m) => m.type === "interrupt-signal"),
      "clients are told to stop playback",
    );
  } finally {
    await teardown(s, [a, b]);
  }
});

Deno.test("proxy-ws: garbage frames get an error and the socket carries on; access is checked", async () => {
  const s = await setup();
  const a = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  try {
    const garbage: (string | Uint8Array)[] = [
      "not json",
      "[1,2]",
      JSON.stringify({ type: "no-such-thing" }),
      JSON.stringify({ type: "text-input" }),
      JSON.stringify({ type: "text-input", text: "   " }),
      JSON.stringify({ type: "text-input", text: "x".repeat(600) }),
      JSON.stringify({ type: "mic-audio-data", audio: ["loud"] }),
      "x".repeat(20_000),
      new Uint8Array([1, 2, 3]),
    ];
    for (const g of garbage) a.ws.send(g);
    await waitForValue(
      "nine errors",
      () =>
        Promise.resolve(
          a.messages.filter((m) => m.type === "error").length === 9 ? true : undefined,
        ),
      {
        stepMs: 20,
      },
    );
    const codes = a.messages.filter((m) => m.type === "error").map((m) => m.code);
    assert.deepEqual(codes, [
      "bad_json",
      "bad_frame",
      "unknown_type",
      "bad_frame",
      "empty_text",
      "text_too_long",
      "bad_frame",
      "frame_too_large",
      "binary_frame",
    ]);
    assert(
      a.messages.filter((m) => m.type === "error").every((m) => typeof m.message === "string"),
    );
    // Housekeeping frames of the front end get their (empty) answers.
    a.send({ type: "fetch-history-list" });
    await a.until("history list", (m) => m.type === "history-list");
    a.send({ type: "text-input", text: "still here" });
    await a.until("answered", (m) => m.type === "control" && m.text === "conversation-chain-end");
    assert.equal(a.closed, false);

    // Access: no token 401, a viewer's token 403, the proxy key works, a wrong key 401.
    const probe = (q: string) =>
      fetch(`${s.server.url}/proxy-ws/rooms/r1?${q}`, { headers: { upgrade: "websocket" } })
        .then(async (r) => ({ status: r.status, code: (await r.json()).error?.code }));
    assert.deepEqual(await probe(""), { status: 401, code: "auth_required" });
    const guest = await s.server.guest("viewer");
    assert.deepEqual(await probe(`token=${guest.token}`), { status: 403, code: "forbidden" });
    const keyRes = await s.api("/api/rooms/r1/cohost/proxy-key", { method: "POST" });
    const { key } = await keyRes.json();
    assert.match(key, /^pk_/);
    assert.deepEqual(await probe(`key=wrong`), { status: 401, code: "auth_invalid" });
    const k = await OlvClient.open(s.wsUrl(`key=${key}`));
    k.send({ type: "text-input", text: "via key" });
    await k.until(
      "answered via key",
      (m) =>
        m.type === "audio" && String((m.display_text as { text: string }).text).includes("via key"),
    );
    k.close();
  } finally {
    await teardown(s, [a]);
  }
});

Deno.test("proxy-ws: with no model the co-host answers from the room's knowledge base", async () => {
  const server = await startTestServer();
  const admin = await server.mintToken({ sub: "root", name: "root", roles: ["admin"] });
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
  await call("POST", "/api/rooms/kb1/ai/kb", {
    title: "Shipping",
    body: "Orders ship within 48 hours from Hangzhou. Returns are free for 7 days.",
  });
  await call("PUT", "/api/rooms/kb1/cohost", { enabled: true, language: "en", voice: false });
  const c = await OlvClient.open(
    `${server.url.replace("http", "ws")}/proxy-ws/rooms/kb1?token=${admin}`,
  );
  try {
    c.send({ type: "text-input", text: "how fast do orders ship?" });
    const audio = await c.until("answered", (m) => m.type === "audio");
    assert.match(String((audio.display_text as { text: string }).text), /ship within 48 hours/);
  } finally {
    c.close();
    await server.close();
  }
});

Deno.test("proxy-ws: mic-audio-data + mic-audio-end are transcribed and queued as a text input", async () => {
  const s = await setup();
  s.llm.transcript = "which map is next";
  const a = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  const b = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  try {
    // Open-LLM-VTuber's front end sends the utterance in frames of 4096 float samples.
    const samples = tone(16_000 * 1.5);
    for (let at = 0; at < samples.length; at += 4096) {
      a.send({ type: "mic-audio-data", audio: Array.from(samples.subarray(at, at + 4096)) });
    }
    a.send({ type: "mic-audio-end" });
    await a.until("turn ended", (m) => m.type === "control" && m.text === "conversation-chain-end");
    assert.deepEqual(a.flow(), [
      "heard:which map is next", // what was understood, to the speaker
      "conversation-chain-start",
      "say:Got it.",
      "say:You said which map is next.",
      "conversation-chain-end",
    ]);
    await b.until(
      "other client",
      (m) => m.type === "control" && m.text === "conversation-chain-end",
    );
    assert.equal(b.flow()[0], "heard:which map is next");
    const asr = s.llm.requests.filter((r) => r.path.endsWith("/audio/transcriptions"));
    assert.equal(asr.length, 1);
    assert.equal(asr[0].fileBytes, 44 + samples.length * 2, "one 16 kHz 16-bit WAV of it all");

    // Nothing heard, too long, malformed: errors, and the socket carries on.
    s.llm.transcript = "";
    a.send({ type: "mic-audio-data", audio: Array.from(tone(1600)) });
    a.send({ type: "mic-audio-end" });
    await a.until("no speech", (m) => m.type === "error" && m.code === "no_speech");
    const second = Array(16_000).fill(0.1);
    for (let i = 0; i < 31; i++) a.send({ type: "mic-audio-data", audio: second });
    await a.until("too long", (m) => m.type === "error" && m.code === "audio_too_long");
    a.send({ type: "mic-audio-end" }); // the dropped utterance left nothing to transcribe
    a.send({ type: "text-input", text: "still here" });
    await a.until(
      "answered",
      (m) =>
        m.type === "audio" && (m.display_text as { text: string }).text === "You said still here.",
    );
    assert.equal(s.llm.requests.filter((r) => r.path.endsWith("/audio/transcriptions")).length, 2);
  } finally {
    await teardown(s, [a, b]);
  }
});

Deno.test("proxy-ws: raw-audio-data is cut by the VAD (interrupt, mic-audio-end) and each utterance queued", async () => {
  const s = await setup();
  s.llm.transcript = "hello everyone";
  const dir = await Deno.makeTempDir();
  const a = await OlvClient.open(s.wsUrl(`token=${s.admin}`));
  try {
    const speech = await decodePcm16k(
      await speak(dir, "hello", "hello everyone welcome to the stream"),
    );
    const silence = new Float32Array(16_000 * 1.5);
    const stream = new Float32Array(silence.length * 2 + speech.length);
    stream.set(speech, silence.length);
    for (let at = 0; at < stream.length; at += 4096) {
      a.send({ type: "raw-audio-data", audio: Array.from(stream.subarray(at, at + 4096), round) });
    }
    await a.until("turn ended", (m) => m.type === "control" && m.text === "conversation-chain-end");
    const flow = a.flow();
    assert.deepEqual(flow, [
      "interrupt", // speech started: stop playing
      "mic-audio-end", // speech ended
      "heard:hello everyone",
      "conversation-chain-start",
      "say:Got it.",
      "say:You said hello everyone.",
      "conversation-chain-end",
    ]);
    const asr = s.llm.requests.filter((r) => r.path.endsWith("/audio/transcriptions"));
    assert.equal(asr.length, 1, "one utterance");
    const seconds = (asr[0].fileBytes! - 44) / 2 / 16_000;
    const spoken = speech.length / 16_000;
    assert(
      seconds > spoken * 0.7 && seconds < spoken + 1,
      `the utterance (${seconds} s) is the speech (${spoken} s), not the silence`,
    );
  } finally {
    await teardown(s, [a]);
    await Deno.remove(dir, { recursive: true });
  }
});

/** A 220 Hz tone at 16 kHz, as floats. */
function tone(n: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => round(0.3 * Math.sin(i * 2 * Math.PI * 220 / 16_000)),
  );
}

/** Five decimals: what a client's JSON of its samples looks like, and small frames. */
function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

Deno.test("proxy-ws: skips and a restart's resumed queue are told to every client as status lines", () => {
  const t = new OlvTranslator("Aki");
  const said = (e: CoHostEvent) => t.translate(e).map((o) => `${o.to}:${o.message.text}`);
  assert.deepEqual(said({ t: "cohost", op: "skipped", count: 3, reason: "stale" }), [
    "all:Skipped 3 stale input(s)",
  ]);
  assert.deepEqual(said({ t: "cohost", op: "resumed", count: 2 }), [
    "all:Restarted: answering 2 unfinished input(s) again, in order",
  ]);
  assert.deepEqual(said({ t: "cohost", op: "delta", turn: 1, text: "x" }), []);
});
