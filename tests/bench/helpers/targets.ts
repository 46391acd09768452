/**
 * Client side of each server under test, behind one interface so the load generator drives
 * Synapse, the bare WebSocket server, socket.io and Centrifugo the same way: open a viewer (resolves
 * once it is in the room and will receive broadcasts), open a sender, send bench messages.
 */
import { type BenchMessage, fromObject, fromText, toObject, toText } from "./bench_message.ts";
import {
  isEvent,
  type RestClient,
  restClient,
  RoomSocket,
  SocketError,
  unwrap,
} from "../../../edge/sdk/mod.ts";

export type TargetKind = "synapse" | "bare" | "socketio" | "centrifugo";

/** Server clock readings a message carried (Synapse: when the room accepted it, and when
 * the batch holding it was flushed), ms since the epoch. */
export interface ServerStamps {
  acceptedAt: number;
  flushedAt: number;
}

/** Where a client reports what it receives. */
export interface ReceiveSink {
  message(m: BenchMessage, stamps?: ServerStamps): void;
  /** Synapse's slow-viewer notice: this many danmaku were not sent to this viewer. */
  dropped(count: number): void;
  /** Synapse's display budget: this many danmaku were left out of a batch (`omitted`). */
  omitted?(count: number): void;
  /** One WebSocket frame of `chars` characters arrived (what a viewer's link carries). */
  frame?(chars: number): void;
}

/** Where a sender reports the server's verdict on its messages (Synapse only acks). */
export interface SendOutcome {
  acked(): void;
  refused(code: string): void;
}

export interface Connection {
  close(): void;
}

export interface SenderConnection extends Connection {
  send(m: BenchMessage): void;
}

export interface TargetClient {
  openViewer(index: number, sink: ReceiveSink): Promise<Connection>;
  openSender(index: number, sink: ReceiveSink, outcome: SendOutcome): Promise<SenderConnection>;
  /**
   * A viewer that parses nothing: each text frame goes to `sink` as it came (the load
   * generator counts frames, characters and bench messages by substring). What lets one
   * process hold thousands of viewers of a hot room; a sample of full viewers measures
   * latency. Absent: the target has no light form (the load generator opens full viewers).
   */
  openLightViewer?(index: number, sink: LightSink): Promise<Connection>;
  /** A sender whose socket parses only its own replies (acks), never the room's batches. */
  openLightSender?(index: number, outcome: SendOutcome): Promise<SenderConnection>;
}

/** Where a light viewer hands each text frame. */
export interface LightSink {
  text(data: string): void;
}

/**
 * Counts the bench messages of `run` in a frame without parsing it: Synapse carries each as
 * danmaku text `bench <run> ...`, the baselines as an object `{"r":<run>,...}`.
 */
export function benchMarker(kind: TargetKind, run: number): string {
  return kind === "synapse" ? `"bench ${run} ` : `{"r":${run},`;
}

export function countOccurrences(text: string, marker: string): number {
  let n = 0;
  for (let at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length)) n++;
  return n;
}

/** `"omitted":<n>` of a Synapse batch frame, read without parsing it (0 when absent). */
export function omittedOf(text: string): number {
  const at = text.lastIndexOf('"omitted":');
  if (at < 0) return 0;
  let n = 0;
  for (let i = at + 10; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return n;
}

export function targetClient(kind: TargetKind, baseUrl: string, room: string): TargetClient {
  switch (kind) {
    case "synapse":
      return new SynapseClient(baseUrl, room);
    case "bare":
      return new BareClient(baseUrl);
    case "socketio":
      return new SocketIoClient(baseUrl);
    case "centrifugo":
      return new CentrifugoClient(baseUrl, `chat:${room}`);
  }
}

const wsUrl = (baseUrl: string, path: string) => baseUrl.replace(/^http/, "ws") + path;

/** Opens a WebSocket and resolves once `ready` says so; rejects on close or error first. */
function openSocket(
  url: string,
  onOpen: (ws: WebSocket) => void,
  onFrame: (ws: WebSocket, data: string, ready: () => void, fail: (e: Error) => void) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let settled = false;
    const ready = () => {
      if (!settled) (settled = true, resolve(ws));
    };
    const fail = (e: Error) => {
      if (!settled) (settled = true, reject(e), ws.close());
    };
    ws.onopen = () => onOpen(ws);
    ws.onmessage = (event) => {
      if (typeof event.data === "string") onFrame(ws, event.data, ready, fail);
    };
    ws.onerror = () => fail(new Error(`websocket error on ${url}`));
    ws.onclose = (event) => fail(new Error(`closed ${event.code} ${event.reason} on ${url}`));
  });
}

// --- Synapse: through the typed client (edge/sdk/): guest token over REST, then the room socket
// (hello → welcome, say → ack, batches of danmaku events). Reconnects are off: a bench counts
// a dropped link as a failure rather than healing it.

class SynapseClient implements TargetClient {
  readonly #rest: RestClient;
  constructor(readonly baseUrl: string, readonly room: string) {
    this.#rest = restClient({ baseUrl });
  }

  async #open(sink: ReceiveSink): Promise<RoomSocket> {
    const { token } = await unwrap(this.#rest.POST("/api/session/guest", { body: {} }));
    const socket = new RoomSocket({
      baseUrl: this.baseUrl,
      room: this.room,
      token,
      reconnect: false,
      pingIntervalMs: 0,
      requestTimeoutMs: 120_000,
      onText: (text) => sink.frame?.(text.length),
    });
    socket.on("batch", (batch) => {
      if (batch.omitted) sink.omitted?.(batch.omitted);
      for (const event of batch.events) {
        if (!isEvent(event, "danmaku")) continue;
        const m = fromText(event.d.text);
        if (m) sink.message(m, { acceptedAt: event.d.at, flushedAt: batch.at });
      }
    });
    socket.on("dropped", (frame) => sink.dropped(frame.count));
    await socket.connect();
    return socket;
  }

  async openViewer(_index: number, sink: ReceiveSink): Promise<Connection> {
    const socket = await this.#open(sink);
    return { close: () => socket.close() };
  }

  /** The protocol by hand: guest token, `hello`, wait for `welcome`; then frames as text. */
  async #openRaw(onFrame: (data: string) => void): Promise<WebSocket> {
    const { token } = await unwrap(this.#rest.POST("/api/session/guest", { body: {} }));
    let welcomed = false;
    return openSocket(
      wsUrl(this.baseUrl, `/ws/rooms/${this.room}`),
      (ws) => ws.send(JSON.stringify({ type: "hello", v: 1, token, room: this.room })),
      (_ws, data, ready, fail) => {
        if (!welcomed) {
          if (data.startsWith('{"type":"welcome"')) return (welcomed = true, ready());
          if (data.startsWith('{"type":"error"')) return fail(new Error(data));
        }
        onFrame(data);
      },
    );
  }

  async openLightViewer(_index: number, sink: LightSink): Promise<Connection> {
    const ws = await this.#openRaw((data) => sink.text(data));
    return { close: () => ws.close() };
  }

  async openLightSender(_i: number, outcome: SendOutcome): Promise<SenderConnection> {
    let next = 0;
    const ws = await this.#openRaw((data) => {
      if (data.startsWith('{"type":"batch"')) return;
      const frame = JSON.parse(data) as { type: string; code?: string; clientId?: string };
      if (frame.clientId === undefined) return;
      if (frame.type === "ack") outcome.acked();
      else if (frame.type === "error") outcome.refused(frame.code ?? "unknown");
    });
    return {
      send: (m) =>
        ws.send(JSON.stringify({ type: "say", text: toText(m), clientId: String(next++) })),
      close: () => ws.close(),
    };
  }

  async openSender(_i: number, sink: ReceiveSink, outcome: SendOutcome): Promise<SenderConnection> {
    const socket = await this.#open(sink);
    return {
      send: (m) =>
        void socket.say(toText(m)).then(
          () => outcome.acked(),
          (err) => outcome.refused(err instanceof SocketError ? err.code : "unknown"),
        ),
      close: () => socket.close(),
    };
  }
}

// --- Bare Deno broadcast server: any frame sent is relayed as-is to every socket.

class BareClient implements TargetClient {
  constructor(readonly baseUrl: string) {}

  async openLightViewer(_index: number, sink: LightSink): Promise<Connection> {
    const ws = await this.#openWhenOpen((data) => sink.text(data));
    return { close: () => ws.close() };
  }

  async openViewer(_index: number, sink: ReceiveSink): Promise<Connection> {
    const ws = await this.#openWhenOpen(parsedInto(sink));
    return { close: () => ws.close() };
  }

  async openSender(_i: number, sink: ReceiveSink, outcome: SendOutcome): Promise<SenderConnection> {
    const ws = await this.#openWhenOpen(parsedInto(sink));
    return {
      send: (m) => {
        ws.send(JSON.stringify(toObject(m)));
        outcome.acked();
      },
      close: () => ws.close(),
    };
  }

  /** The bare server has no handshake: the socket is in the room once it is open. Each text
   * frame goes to `onText` as it came. */
  #openWhenOpen(onText: (data: string) => void): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl(this.baseUrl, "/"));
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error("websocket error (bare)"));
      ws.onmessage = (event) => {
        if (typeof event.data === "string") onText(event.data);
      };
    });
  }
}

/** A bare server's frames parsed into `sink` (one bench message per frame). */
function parsedInto(sink: ReceiveSink): (data: string) => void {
  return (data) => {
    sink.frame?.(data.length);
    const m = fromObject(JSON.parse(data));
    if (m) sink.message(m);
  };
}

// --- socket.io: socket.io-client over the WebSocket transport, one connection per client.

interface IoSocket {
  on(event: string, listener: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  disconnect(): void;
}
type IoFactory = (url: string, options: Record<string, unknown>) => IoSocket;

class SocketIoClient implements TargetClient {
  #io: Promise<IoFactory> | undefined;

  constructor(readonly baseUrl: string) {}

  #factory(): Promise<IoFactory> {
    this.#io ??= import("socket.io-client").then((mod) => mod.io as unknown as IoFactory);
    return this.#io;
  }

  async #open(sink: ReceiveSink): Promise<IoSocket> {
    const io = await this.#factory();
    return new Promise((resolve, reject) => {
      // forceNew: one real connection per client (the default would multiplex all of them).
      const socket = io(this.baseUrl, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
      });
      socket.on("danmaku", (payload) => {
        const m = fromObject(payload);
        if (m) sink.message(m);
      });
      socket.on("connect", () => resolve(socket));
      socket.on("connect_error", (e) => reject(new Error(`socket.io connect_error: ${e}`)));
    });
  }

  async openViewer(_index: number, sink: ReceiveSink): Promise<Connection> {
    const socket = await this.#open(sink);
    return { close: () => socket.disconnect() };
  }

  async openSender(_i: number, sink: ReceiveSink, outcome: SendOutcome): Promise<SenderConnection> {
    const socket = await this.#open(sink);
    return {
      send: (m) => {
        socket.emit("say", toObject(m));
        outcome.acked();
      },
      close: () => socket.disconnect(),
    };
  }
}

// --- Centrifugo: its JSON client protocol (v2) over /connection/websocket — connect,
// subscribe to the room's channel, publish into it; publications arrive as pushes.

interface CentrifugoReply {
  id?: number;
  error?: { code: number; message: string };
  push?: { channel?: string; pub?: { data?: unknown } };
}

class CentrifugoClient implements TargetClient {
  constructor(readonly baseUrl: string, readonly channel: string) {}

  /** Connects anonymously and subscribes; resolves once the subscribe reply came. */
  #open(sink: ReceiveSink, outcome?: SendOutcome): Promise<WebSocket> {
    return openSocket(
      wsUrl(this.baseUrl, "/connection/websocket"),
      (ws) =>
        ws.send(
          // Commands in one frame are newline-delimited JSON (the protocol's batching).
          JSON.stringify({ id: 1, connect: {} }) + "\n" +
            JSON.stringify({ id: 2, subscribe: { channel: this.channel } }),
        ),
      (ws, data, ready, fail) => {
        sink.frame?.(data.length);
        for (const line of data.split("\n")) {
          if (line === "") continue;
          const reply = JSON.parse(line) as CentrifugoReply;
          if (reply.push) {
            const m = fromObject(reply.push.pub?.data);
            if (m) sink.message(m);
          } else if (reply.id === undefined) {
            // An empty object is the server's ping: answer with a pong (an empty object).
            ws.send("{}");
          } else if (reply.error) {
            if (reply.id >= 3 && outcome) outcome.refused(`centrifugo_${reply.error.code}`);
            else fail(new Error(`centrifugo error ${reply.error.code} ${reply.error.message}`));
          } else if (reply.id === 2) {
            ready();
          } else if (reply.id >= 3) {
            outcome?.acked();
          }
        }
      },
    );
  }

  async openViewer(_index: number, sink: ReceiveSink): Promise<Connection> {
    const ws = await this.#open(sink);
    return { close: () => ws.close() };
  }

  /** Publications are handed on unparsed (counted by their marker); replies and the
   * server's pings (an empty object on a line of its own) are still answered. */
  async openLightViewer(_index: number, sink: LightSink): Promise<Connection> {
    const full = this.#open({ message() {}, dropped() {} });
    void full.catch(() => {});
    const ws = await full;
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      const data = event.data;
      if (data.includes('"push"')) sink.text(data);
      if (data === "{}" || data.startsWith("{}\n") || data.includes("\n{}")) ws.send("{}");
    };
    return { close: () => ws.close() };
  }

  async openSender(_i: number, sink: ReceiveSink, outcome: SendOutcome): Promise<SenderConnection> {
    const ws = await this.#open(sink, outcome);
    let nextId = 3;
    return {
      send: (m) =>
        ws.send(
          JSON.stringify({ id: nextId++, publish: { channel: this.channel, data: toObject(m) } }),
        ),
      close: () => ws.close(),
    };
  }
}
