/**
 * The co-host core against the local OpenAI-compatible stand-in: arrival order and one reply
 * at a time, token-by-token deltas and moderated sentences, the local fallback, the stale
 * policy, interrupts (streamer, trusted phrase), the voice cut, bursts.
 */
import assert from "node:assert/strict";
import {
  CoHost,
  type CoHostOptions,
  type CoHostSpeech,
  type CoHostVoice,
} from "../actors/cohost/cohost.ts";
import type { CoHostEvent, CoHostInput } from "../actors/cohost/events.ts";
import { Persona } from "../actors/cohost/persona.ts";
import { LocalReplyModel, OpenAiReplyModel } from "../actors/cohost/reply_model.ts";
import { speechModeration } from "../actors/cohost/speech_moderation.ts";
import { parseWav } from "../actors/cohost/voice/wav.ts";
import { promptText, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { waitForValue } from "./helpers/wait.ts";

const waitFor = (what: string, cond: () => boolean) =>
  waitForValue(what, () => Promise.resolve(cond() ? true : undefined), { stepMs: 10 });

/** A 440 Hz tone of `n` samples at 16 kHz. */
function tone(n: number): Int16Array {
  return Int16Array.from(
    { length: n },
    (_, i) => Math.round(8000 * Math.sin(i * 2 * Math.PI * 440 / 16_000)),
  );
}

let seq = 0;
function input(text: string, extra: Partial<CoHostInput> = {}): CoHostInput {
  seq++;
  return {
    id: `in-${seq}`,
    origin: "native",
    user: { id: `u${seq}`, name: `viewer${seq}` },
    text,
    at: Date.now(),
    ...extra,
  };
}

function setup(opts: {
  llmUrl?: string;
  persona?: Record<string, unknown>;
  voice?: CoHostVoice;
  speech?: CoHostSpeech;
  moderate?: CoHostOptions["moderate"];
  draftAllowed?: CoHostOptions["draftAllowed"];
  kb?: (q: string) => string | null;
  now?: () => number;
}) {
  const events: CoHostEvent[] = [];
  const persona = Persona.parse({ enabled: true, name: "Aki", ...opts.persona });
  const cohost = new CoHost({
    roomId: "r1",
    persona,
    emit: (e) => events.push(e),
    model: opts.llmUrl
      ? new OpenAiReplyModel({ baseUrl: opts.llmUrl, apiKey: "k", model: "m", timeoutMs: 5_000 })
      : null,
    local: new LocalReplyModel(
      opts.kb ? { answer: (q) => Promise.resolve(opts.kb!(q)) } : null,
    ),
    moderate: opts.moderate ?? speechModeration(),
    draftAllowed: opts.draftAllowed,
    speech: opts.speech ?? null,
    voice: opts.voice ?? null,
    now: opts.now,
  });
  const ops = () =>
    events.map((e) =>
      e.op === "taken" ? `taken:${e.input.text}` : e.op === "end" ? `end:${e.reason}` : e.op
    );
  const sentences = (turn?: number) =>
    events.flatMap((e) =>
      e.op === "sentence" && (turn === undefined || e.turn === turn) ? [e.text] : []
    );
  return { events, cohost, ops, sentences };
}

Deno.test("cohost: answers native, bridged and proxy inputs in arrival order, one at a time, streaming", async () => {
  const llm = startFakeOpenAi();
  llm.chatReply = (messages) => {
    const last = messages[messages.length - 1].content as string;
    return `Hi there. You said ${last.split(": ")[1]}!`;
  };
  const { events, cohost, sentences } = setup({ llmUrl: llm.url });
  try {
    cohost.input(input("first"));
    cohost.input(input("second", { origin: "bridged", platform: "bilibili" }));
    cohost.input(input("third", { origin: "proxy", ref: "c1" }));
    await cohost.idle();
    const turns = events.filter((e) => e.op === "taken" || e.op === "end")
      .map((e) => e.op === "taken" ? `+${e.input.text}` : `-${e.turn}`);
    assert.deepEqual(turns, ["+first", "-1", "+second", "-2", "+third", "-3"]);
    const deltas = events.filter((e) => e.op === "delta" && e.turn === 1);
    assert(deltas.length > 3, `streamed in ${deltas.length} pieces`);
    assert.deepEqual(sentences(1), ["Hi there.", "You said first!"]);
    assert.deepEqual(sentences(2), ["Hi there.", "You said second!"]);
    assert(events.every((e) => e.op !== "sentence" || e.source === "llm"));
    assert.equal(llm.requests.length, 3);
    const prompt = promptText(llm.requests[1]);
    assert.match(prompt, /You are Aki/);
    assert.match(prompt, /on bilibili: second/);
    assert.equal(llm.requests[0].body.stream, true);
    assert.equal(cohost.status().state, "idle");
    assert.equal(cohost.status().answered, 3);
  } finally {
    await cohost.close();
    await llm.close();
  }
});

Deno.test("cohost: with no model it answers from the knowledge base and templates, source local", async () => {
  const { events, cohost, sentences } = setup({
    kb: (q) => q.includes("发货") ? "下单后48小时内发货。" : null,
    persona: { language: "zh" },
  });
  cohost.input(input("什么时候发货？"));
  cohost.input(input("你好呀"));
  await cohost.idle();
  assert.deepEqual(sentences(1), ["下单后48小时内发货。"]);
  assert.match(sentences(2).join(""), /欢迎viewer\d+/);
  assert(events.every((e) => (e.op !== "sentence" && e.op !== "end") || e.source === "local"));
});

Deno.test("cohost: a model failing before its first word falls back to local", async () => {
  const llm = startFakeOpenAi();
  llm.faults.push({ kind: "status", status: 500 });
  const { events, cohost } = setup({ llmUrl: llm.url, persona: { language: "en" } });
  try {
    cohost.input(input("hello everyone"));
    await cohost.idle();
    const end = events.find((e) => e.op === "end");
    assert(end && end.op === "end");
    assert.equal(end.source, "local");
    assert.equal(end.reason, "done");
  } finally {
    await llm.close();
  }
});

Deno.test("cohost: sentences with blocklisted or must-not-say words are withheld", async () => {
  const llm = startFakeOpenAi();
  llm.chatReply = () => "Our sponsor is AcmeCorp. What the fuck. Have a nice day.";
  const { events, cohost, sentences } = setup({
    llmUrl: llm.url,
    persona: { mustNotSay: ["acmecorp"] },
  });
  try {
    cohost.input(input("hey"));
    await cohost.idle();
    assert.deepEqual(sentences(), ["Have a nice day."]);
    assert.deepEqual(
      events.filter((e) => e.op === "withheld").map((e) => e.op === "withheld" && e.index),
      [0, 1],
    );
  } finally {
    await llm.close();
  }
});

Deno.test("cohost: the stale policy skips old and overflowing inputs and says how many", async () => {
  let now = 1_000_000;
  const { events, cohost } = setup({
    persona: { stale: { maxWaitMs: 5_000, maxQueue: 2 }, language: "en" },
    now: () => now,
  });
  const old = { at: now - 10_000 };
  // The first input starts at once (queue taken synchronously up to the first await).
  cohost.input(input("a0", { at: now }));
  cohost.input(input("old1", old));
  cohost.input(input("old2", old));
  cohost.input(input("n1", { at: now }));
  cohost.input(input("n2", { at: now }));
  cohost.input(input("n3", { at: now }));
  now += 1;
  await cohost.idle();
  const taken = events.flatMap((e) => e.op === "taken" ? [e.input.text] : []);
  assert.deepEqual(taken, ["a0", "n2", "n3"]);
  const skips = events.flatMap((e) => e.op === "skipped" ? [`${e.reason}:${e.count}`] : []);
  assert.deepEqual(skips, ["stale:2", "overflow:1"]);
  const second = events.find((e) => e.op === "taken" && e.input.text === "n2");
  assert(second && second.op === "taken" && second.skipped === 3);
  assert.equal(cohost.status().skipped, 3);
});

Deno.test("cohost: interrupts end the turn mid-reply, cut the voice, and the next input starts", async () => {
  const llm = startFakeOpenAi();
  llm.streamDelayMs = 15;
  llm.chatReply = () => "This is a long answer. ".repeat(20);
  const said: string[] = [];
  let cuts = 0;
  const speech: CoHostSpeech = {
    synth: (text) => Promise.resolve({ sampleRate: 16_000, samples: tone(text.length * 100) }),
  };
  const voice: CoHostVoice = {
    play: (pcm, signal) =>
      new Promise((resolve) => {
        said.push(`${pcm.samples.length}`);
        const t = setTimeout(resolve, 30);
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          resolve();
        });
      }),
    cut: () => void cuts++,
  };
  const { events, cohost, ops } = setup({ llmUrl: llm.url, voice, speech });
  try {
    cohost.input(input("one"));
    cohost.input(input("two"));
    await waitFor("speaking", () => events.some((e) => e.op === "state" && e.state === "speaking"));
    assert(cohost.interrupt("streamer"));
    await waitFor(
      "second turn",
      () => events.some((e) => e.op === "taken" && e.input.text === "two"),
    );
    // An untrusted viewer's phrase is just a message; a trusted one interrupts.
    assert.equal(cohost.input(input("闭嘴", { trusted: false })), "queued");
    await waitFor("turn 2 streaming", () => events.some((e) => e.op === "delta" && e.turn === 2));
    assert.equal(cohost.input(input("stop talking please", { trusted: true })), "interrupt");
    await cohost.idle();
    const o = ops();
    assert.deepEqual(o.filter((x) => x.startsWith("taken") || x.startsWith("end")), [
      "taken:one",
      "end:interrupted",
      "taken:two",
      "end:interrupted",
      "taken:闭嘴",
      "end:done",
    ]);
    assert(o.includes("state"));
    assert(events.some((e) => e.op === "state" && e.state === "interrupted"));
    assertEqualsCuts(cuts, 2);
    assert(said.length >= 1);
    const turn1 = events.filter((e) => e.op === "sentence" && e.turn === 1).length;
    assert(turn1 < 20, "the first reply did not run to its end");
  } finally {
    await cohost.close();
    await llm.close();
  }
});

function assertEqualsCuts(cuts: number, n: number) {
  assert.equal(cuts, n, `voice cut ${cuts} times`);
}

Deno.test("cohost: a burst of 200 inputs is answered in arrival order", async () => {
  const { events, cohost } = setup({
    persona: { stale: { maxWaitMs: 600_000, maxQueue: 500 }, language: "en" },
  });
  const texts = Array.from({ length: 200 }, (_, i) => `msg ${i}`);
  for (const t of texts) cohost.input(input(t));
  await cohost.idle();
  assert.deepEqual(events.flatMap((e) => e.op === "taken" ? [e.input.text] : []), texts);
});

Deno.test("cohost: disabled or not listening to an origin ignores inputs", () => {
  const off = setup({ persona: { enabled: false } });
  assert.equal(off.cohost.input(input("x")), "ignored");
  const noBridged = setup({ persona: { listen: { native: true, bridged: false, proxy: true } } });
  assert.equal(noBridged.cohost.input(input("x", { origin: "bridged" })), "ignored");
  assert.throws(() => Persona.parse({ language: "english!" }));
});

Deno.test("cohost: each voiced sentence is followed by its speech (WAV, 20 ms volumes); a failed synthesis goes out silent", async () => {
  const llm = startFakeOpenAi();
  llm.chatReply = () => "First one. Second one. Third one.";
  const speech: CoHostSpeech = {
    synth: (text) =>
      text.startsWith("Second")
        ? Promise.reject(new Error("engine down"))
        : Promise.resolve({ sampleRate: 22_050, samples: tone(22_050) }), // one second
  };
  const { events, cohost } = setup({ llmUrl: llm.url, speech });
  try {
    cohost.input(input("talk"));
    await cohost.idle();
    const flow = events.flatMap((e) =>
      e.op === "sentence"
        ? [`s${e.index}${e.voiced ? "v" : ""}`]
        : e.op === "audio"
        ? [`a${e.index}${e.clip ? "" : "-silent"}`]
        : []
    );
    assert.deepEqual(flow, ["s0v", "a0", "s1v", "a1-silent", "s2v", "a2"]);
    const a0 = events.find((e) => e.op === "audio" && e.clip)!;
    assert(a0.op === "audio" && a0.clip);
    const wav = parseWav(Uint8Array.fromBase64(a0.clip.wav));
    assert.equal(wav.sampleRate, 22_050);
    assert.equal(wav.samples.length, 22_050);
    assert.equal(a0.clip.sliceMs, 20);
    assert.equal(a0.clip.volumes.length, 50, "one volume per 20 ms of one second");
    assert.equal(Math.max(...a0.clip.volumes), 1);
    assert(a0.clip.volumes.every((v) => v > 0.9), "a steady tone is equally loud throughout");
    assert.equal(a0.text, "First one.");
  } finally {
    await llm.close();
  }
});

Deno.test("cohost: a slow (room) moderation keeps the sentences in order and withholds what it refuses", async () => {
  const llm = startFakeOpenAi();
  llm.chatReply = () => "Alpha is fine. Beta is banned here. Gamma is fine. Delta too.";
  const delays = [40, 5, 25, 1];
  let n = 0;
  const moderate: CoHostOptions["moderate"] = (text) =>
    new Promise((resolve) =>
      setTimeout(() => resolve({ allowed: !text.includes("banned"), text }), delays[n++ % 4])
    );
  const { events, cohost, sentences } = setup({ llmUrl: llm.url, moderate });
  try {
    cohost.input(input("go"));
    await cohost.idle();
    assert.deepEqual(sentences(), ["Alpha is fine.", "Gamma is fine.", "Delta too."]);
    const order = events.flatMap((e) =>
      e.op === "sentence" || e.op === "withheld" ? [`${e.op}:${e.index}`] : []
    );
    assert.deepEqual(order, ["sentence:0", "withheld:1", "sentence:2", "sentence:3"]);
    assert.equal(events.at(-2)?.op, "end", "the turn ends after its last sentence");
  } finally {
    await llm.close();
  }
});

Deno.test("cohost: what is pending (current turn first) is restored in order by a new co-host, turns numbered on", async () => {
  const llm = startFakeOpenAi();
  llm.streamDelayMs = 20;
  llm.chatReply = () => "This is a long answer. ".repeat(10);
  const first = setup({ llmUrl: llm.url });
  const ins = ["a", "b", "c", "d"].map((t) => input(t));
  try {
    for (const i of ins) first.cohost.input(i);
    await waitFor(
      "turn 2 streaming",
      () => first.events.some((e) => e.op === "delta" && e.turn === 2),
    );
    const pending = first.cohost.pending();
    assert.deepEqual(pending.map((i) => i.text), ["b", "c", "d"]);
    const turns = first.cohost.status().turn;
    await first.cohost.close(); // the old activation is gone (a crash: nothing more from it)

    llm.streamDelayMs = 0;
    llm.chatReply = () => "Short.";
    const events: CoHostEvent[] = [];
    const second = new CoHost({
      roomId: "r1",
      persona: Persona.parse({ enabled: true }),
      emit: (e) => events.push(e),
      model: new OpenAiReplyModel({ baseUrl: llm.url, apiKey: "k", model: "m", timeoutMs: 5_000 }),
      local: new LocalReplyModel(null),
      moderate: speechModeration(),
      turns,
    });
    assert.equal(second.restore(JSON.parse(JSON.stringify(pending))), 3);
    second.input(input("e"));
    await second.idle();
    assert.deepEqual(events[0], { t: "cohost", op: "resumed", count: 3 });
    const taken = events.flatMap((e) => e.op === "taken" ? [`${e.turn}:${e.input.text}`] : []);
    assert.deepEqual(taken, ["3:b", "4:c", "5:d", "6:e"]);
  } finally {
    await first.cohost.close();
    await llm.close();
  }
});

Deno.test("cohost: what is kept for a restart is bounded by the stale policy (the newest maxQueue)", async () => {
  const llm = startFakeOpenAi();
  llm.streamDelayMs = 30;
  llm.chatReply = () => "A slow answer. ".repeat(5);
  const { cohost, events } = setup({
    llmUrl: llm.url,
    persona: { stale: { maxWaitMs: 600_000, maxQueue: 3 } },
  });
  try {
    for (let i = 0; i < 50; i++) cohost.input(input(`m${i}`));
    await waitFor("answering", () => events.some((e) => e.op === "delta"));
    assert.deepEqual(cohost.pending().map((i) => i.text), ["m0", "m47", "m48", "m49"]);
  } finally {
    await cohost.close();
    await llm.close();
  }
});

Deno.test("cohost: streamed pieces stop at a local hit; the rest of that sentence waits for its verdict", async () => {
  const llm = startFakeOpenAi();
  llm.chatReply = () => "Hello there. What the fuck is this thing. Bye now.";
  const local = speechModeration();
  const { events, cohost, sentences } = setup({
    llmUrl: llm.url,
    draftAllowed: (text, persona) => local(text, persona).allowed,
  });
  try {
    cohost.input(input("hey"));
    await cohost.idle();
    const shown = events.flatMap((e) => e.op === "delta" ? [e.text] : []).join("");
    assert(!/fuck|thing/.test(shown), `provisional text shown: ${shown}`);
    assert.match(shown, /Hello there\..*What the.*Bye now\./s);
    assert.deepEqual(sentences(), ["Hello there.", "Bye now."]);
  } finally {
    await llm.close();
  }
});
