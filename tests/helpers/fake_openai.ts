/**
 * A local OpenAI-compatible HTTP server for tests: `/v1/chat/completions` (text and image
 * parts), `/v1/embeddings`, `/v1/audio/transcriptions` (multipart). It records every request
 * and can be told to answer the next calls slowly, with a 500, or with malformed JSON.
 */

export interface RecordedRequest {
  path: string;
  /** Parsed JSON body (chat, embeddings) or the multipart fields (transcriptions). */
  body: Record<string, unknown>;
  /** For transcriptions: the uploaded file's size in bytes, and the file. */
  fileBytes?: number;
  file?: Uint8Array;
  authorization: string | null;
  at: number;
}

/** What to do with one upcoming request. */
export type Fault =
  | { kind: "status"; status: number }
  | { kind: "malformed" }
  | { kind: "slow"; delayMs: number };

export interface ChatMessage {
  role: string;
  content: string | { type: string; text?: string; image_url?: { url: string } }[];
}

export interface FakeOpenAi {
  url: string;
  requests: RecordedRequest[];
  /** Faults applied, in order, to the next requests (any endpoint). */
  faults: Fault[];
  /** Builds the chat answer's content from the request's messages. */
  chatReply: (messages: ChatMessage[], body: Record<string, unknown>) => string;
  /** The text returned by transcriptions. */
  transcript: string;
  /**
   * When set, transcriptions answer what it makes of the uploaded audio file and the form's
   * fields (`language`, `model`) instead of `transcript`.
   */
  recognise: ((audio: Uint8Array, fields: Record<string, unknown>) => string) | null;
  /** A streamed chat answer (`stream: true`) is sent in pieces this far apart (default 0). */
  streamDelayMs: number;
  /** Splits a streamed answer into pieces (default: one piece per word or Han character). */
  streamPieces: (content: string) => string[];
  /** `/audio/speech`: the audio bytes for a text (default: 404, no speech configured). */
  speech: ((text: string, body: Record<string, unknown>) => Uint8Array) | null;
  close(): Promise<void>;
}

/** A deterministic bag-of-words embedding: texts sharing words get close vectors. */
export function fakeEmbedding(text: string, dims = 64): number[] {
  const v = new Array<number>(dims).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const w of words) {
    for (const gram of w.length > 2 && /\p{Script=Han}/u.test(w) ? [...w] : [w]) {
      let h = 2166136261;
      for (const ch of gram) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
      v[(h >>> 0) % dims] += 1;
    }
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export function startFakeOpenAi(): FakeOpenAi {
  const abort = new AbortController();
  const fake: FakeOpenAi = {
    url: "",
    requests: [],
    faults: [],
    chatReply: () => "{}",
    transcript: "hello world",
    recognise: null,
    streamDelayMs: 0,
    streamPieces: (content) => content.match(/\p{Script=Han}|[^\p{Script=Han}\s]+\s*|\s+/gu) ?? [],
    speech: null,
    close: async () => {
      abort.abort();
      await server.finished;
    },
  };

  const handle = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    const record: RecordedRequest = {
      path,
      body: {},
      authorization: req.headers.get("authorization"),
      at: Date.now(),
    };
    if (path.endsWith("/audio/transcriptions")) {
      const form = await req.formData();
      for (const [k, v] of form.entries()) {
        if (typeof v === "string") record.body[k] = v;
        else {
          const bytes = new Uint8Array(await v.arrayBuffer());
          record.fileBytes = bytes.byteLength;
          record.file = bytes;
        }
      }
    } else {
      record.body = await req.json();
    }
    fake.requests.push(record);

    const fault = fake.faults.shift();
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === "status") return json({ error: { message: "injected" } }, fault.status);

    if (path.endsWith("/chat/completions")) {
      const messages = record.body.messages as ChatMessage[];
      const content = fault?.kind === "malformed"
        ? "{ this is not json"
        : fake.chatReply(messages, record.body);
      if (record.body.stream === true) return streamChat(fake, content, record);
      return json({
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: record.body.model,
        choices: [{
          index: 0,
          message: { role: "assistant", content },
          finish_reason: "stop",
        }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      });
    }
    if (path.endsWith("/embeddings")) {
      if (fault?.kind === "malformed") return new Response("{ nope", { status: 200 });
      const input = record.body.input;
      const texts = Array.isArray(input) ? input as string[] : [String(input)];
      return json({
        object: "list",
        model: record.body.model,
        data: texts.map((t, index) => ({
          object: "embedding",
          index,
          embedding: fakeEmbedding(t),
        })),
        usage: { prompt_tokens: texts.length * 8, total_tokens: texts.length * 8 },
      });
    }
    if (path.endsWith("/audio/transcriptions")) {
      if (fault?.kind === "malformed") return new Response("{ nope", { status: 200 });
      const text = fake.recognise && record.file
        ? fake.recognise(record.file, record.body)
        : fake.transcript;
      return json({ text });
    }
    if (path.endsWith("/audio/speech") && fake.speech) {
      const audio = fake.speech(String(record.body.input ?? ""), record.body);
      return new Response(audio as BufferSource, { headers: { "content-type": "audio/wav" } });
    }
    return json({ error: { message: `no route ${path}` } }, 404);
  };

  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: abort.signal, onListen: () => {} },
    handle,
  );
  fake.url = `http://127.0.0.1:${server.addr.port}/v1`;
  return fake;
}

/** Number of image parts in a recorded chat request. */
export function imageParts(req: RecordedRequest): number {
  const messages = (req.body.messages ?? []) as ChatMessage[];
  let n = 0;
  for (const m of messages) {
    if (Array.isArray(m.content)) n += m.content.filter((p) => p.type === "image_url").length;
  }
  return n;
}

/** All text of a recorded chat request's messages, joined. */
export function promptText(req: RecordedRequest): string {
  const messages = (req.body.messages ?? []) as ChatMessage[];
  return messages.map((m) =>
    typeof m.content === "string" ? m.content : m.content.map((p) => p.text ?? "").join("\n")
  ).join("\n");
}

/** A chat completion as Server-Sent Events, one chunk per piece, `[DONE]` at the end. */
function streamChat(
  fake: FakeOpenAi,
  content: string,
  record: RecordedRequest,
): Response {
  let cancelled = false;
  const enc = new TextEncoder();
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    enc.encode(
      `data: ${
        JSON.stringify({
          id: "chatcmpl-fake",
          object: "chat.completion.chunk",
          created: Math.floor(Date.now() / 1000),
          model: record.body.model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        })
      }\n\n`,
    );
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      try {
        c.enqueue(chunk({ role: "assistant", content: "" }, null));
        for (const piece of fake.streamPieces(content)) {
          if (cancelled) return;
          if (fake.streamDelayMs > 0) await new Promise((r) => setTimeout(r, fake.streamDelayMs));
          c.enqueue(chunk({ content: piece }, null));
        }
        c.enqueue(chunk({}, "stop"));
        c.enqueue(enc.encode("data: [DONE]\n\n"));
        c.close();
      } catch { /* the client went away */ }
    },
    cancel() {
      cancelled = true;
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}
