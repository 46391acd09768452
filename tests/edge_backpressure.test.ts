/**
 * Slow-viewer policy with a viewer that stops reading (a raw TCP WebSocket client): past
 * the soft limit its danmaku is dropped and counted while moderation events still reach
 * it, and it is told the count once it reads again; past the hard limit it is closed with
 * 4008. A normal viewer in the same room receives every message all along.
 */
import assert from "node:assert/strict";
import { CloseCode } from "../edge/protocol.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { RawWsClient } from "./helpers/raw_ws.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const ROOM = "slow";
/** About 1.8 KB per danmaku: the socket buffers fill after a few thousand messages. */
const PADDING = "测".repeat(600);
/** Loopback TCP absorbs a few MB before `bufferedAmount` grows; give up well after. */
const MAX_MESSAGES = 12_000;
/**
 * The soft limit of the dropping test is several batches (~180 KB each) large: a reader that
 * keeps up can still hold a batch or two unwritten while the machine is busy, and must never
 * count as slow there.
 */
const SOFT_LIMIT = 768 * 1024;

async function startSlowRoomServer(soft: number, hard: number) {
  return await startTestServer({
    limits: {
      softBufferedBytes: soft,
      hardBufferedBytes: hard,
      framesPerSecond: 100_000,
      frameBurst: 100_000,
      maxInFlight: 1_000,
    },
    roomOptions: {
      rateLimit: { burst: 100_000, refillPerSec: 100_000 },
      maxTextLength: 1_000,
      mailboxCapacity: 10_000,
    },
  });
}

/** Sends `count` unique danmaku in chunks, each chunk acked before the next. */
class Pump {
  sent = 0;
  constructor(private readonly sender: TestViewer, private readonly chunk: number) {}

  async send(count: number): Promise<void> {
    for (let done = 0; done < count; done += this.chunk) {
      const n = Math.min(this.chunk, count - done);
      for (let i = 0; i < n; i++) {
        this.sent++;
        this.sender.send({
          type: "say",
          text: `${this.sent}:${PADDING}`,
          clientId: `p${this.sent}`,
        });
      }
      const last = `p${this.sent}`;
      const ack = await this.sender.next(
        (f) => (f.type === "ack" || f.type === "error") && f.clientId === last,
        20_000,
      );
      assert.equal(ack.type, "ack", JSON.stringify(ack));
      this.sender.frames.splice(0, this.sender.frames.length); // keep the scan short
    }
  }
}

async function gatewayStats(srv: TestServer): Promise<{ sockets: number; dropping: number }> {
  return await (await fetch(`${srv.url}/readyz`)).json();
}

async function joinRaw(srv: TestServer, token: string): Promise<RawWsClient> {
  const raw = await RawWsClient.connect(srv.wsUrl(ROOM));
  await raw.sendText(JSON.stringify({ type: "hello", v: 1, token, room: ROOM }));
  const welcome = await raw.readFrame();
  assert.equal(welcome.kind, "text");
  assert.equal(JSON.parse((welcome as { text: string }).text).type, "welcome");
  return raw;
}

function countDanmaku(frames: Frame[]): number {
  return frames.filter((f) => f.type === "batch")
    .reduce((n, f) => n + f.events.filter((e: Frame) => e.t === "danmaku").length, 0);
}

async function waitDanmaku(v: TestViewer, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (countDanmaku(v.frames) < count) {
    if (Date.now() > deadline) {
      throw new Error(`normal viewer got ${countDanmaku(v.frames)}/${count}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("edge: a viewer that stops reading loses danmaku (counted), never moderation", async () => {
  const srv = await startSlowRoomServer(SOFT_LIMIT, 64 * 1024 * 1024);
  const closers: (() => Promise<void> | void)[] = [];
  try {
    const normal = await TestViewer.join(srv.wsUrl(ROOM), ROOM, (await srv.guest("normal")).token);
    closers.push(() => normal.viewer.close());
    const sender = await TestViewer.join(srv.wsUrl(ROOM), ROOM, (await srv.guest("sender")).token);
    closers.push(() => sender.viewer.close());
    const adminToken = await srv.mintToken({ sub: "admin_bp", name: "admin", roles: ["admin"] });
    const admin = await TestViewer.join(srv.wsUrl(ROOM), ROOM, adminToken);
    closers.push(() => admin.viewer.close());
    const slow = await joinRaw(srv, (await srv.guest("slow")).token);
    closers.push(() => slow.close());

    // Fill the slow viewer's pipe until the edge starts dropping for it.
    const pump = new Pump(sender.viewer, 100);
    while ((await gatewayStats(srv)).dropping === 0) {
      assert.ok(pump.sent < MAX_MESSAGES, "the slow viewer never entered the dropping state");
      await pump.send(100);
    }
    // An essential event while dropping, then more chat.
    admin.viewer.send({ type: "mod", action: "mute", target: "someone_else", clientId: "m" });
    await admin.viewer.next((f) => f.type === "mod_ok");
    await pump.send(200);
    await waitDanmaku(normal.viewer, pump.sent);
    assert.equal(countDanmaku(normal.viewer.frames), pump.sent, "normal viewer got everything");

    // The slow viewer reads again: it gets a `dropped` notice, and the moderation event.
    const frames: Frame[] = [];
    let dropped = 0;
    while (dropped === 0) {
      const f = await slow.readFrame();
      if (f.kind !== "text") continue;
      const frame = JSON.parse(f.text);
      frames.push(frame);
      if (frame.type === "dropped") dropped += frame.count;
    }
    // A marker after the notice: everything sent before it is delivered or counted.
    sender.viewer.send({ type: "say", text: "marker", clientId: "marker" });
    while (true) {
      const f = await slow.readFrame();
      if (f.kind !== "text") continue;
      const frame = JSON.parse(f.text);
      frames.push(frame);
      if (frame.type === "dropped") dropped += frame.count;
      if (frame.type === "batch" && frame.events.some((e: Frame) => e.d?.text === "marker")) break;
    }
    const delivered = countDanmaku(frames);
    assert.ok(dropped > 0, "some danmaku were dropped");
    assert.ok(delivered < pump.sent + 1, "the slow viewer got less than everything");
    assert.equal(delivered + dropped, pump.sent + 1, "every danmaku delivered or counted");
    assert.ok(
      frames.some((f) => f.type === "batch" && f.events.some((e: Frame) => e.t === "moderation")),
      "moderation events are never dropped",
    );
    assert.equal((await gatewayStats(srv)).dropping, 0);
  } finally {
    for (const c of closers.reverse()) await c();
    await srv.close();
  }
});

Deno.test("edge: a viewer past the hard buffer limit is closed with 4008", async () => {
  // Soft limit = hard limit: the viewer never enters the dropping state first. With a lower
  // soft limit, a loaded machine's smaller batches could leave the buffer between the two,
  // where danmaku are skipped and nothing makes it grow to the hard limit (seen in CI).
  const srv = await startSlowRoomServer(96 * 1024, 96 * 1024);
  const closers: (() => Promise<void> | void)[] = [];
  try {
    const normal = await TestViewer.join(srv.wsUrl(ROOM), ROOM, (await srv.guest("normal")).token);
    closers.push(() => normal.viewer.close());
    const sender = await TestViewer.join(srv.wsUrl(ROOM), ROOM, (await srv.guest("sender")).token);
    closers.push(() => sender.viewer.close());
    const slow = await joinRaw(srv, (await srv.guest("slow")).token);
    closers.push(() => slow.close());
    const socketsBefore = (await gatewayStats(srv)).sockets;

    // Every batch is sent in full until the pipe is full and the buffer passes the limit.
    const pump = new Pump(sender.viewer, 100);
    while ((await gatewayStats(srv)).sockets === socketsBefore) {
      assert.ok(pump.sent < MAX_MESSAGES, "the slow viewer was never closed");
      await pump.send(100);
    }
    await pump.send(100);
    await waitDanmaku(normal.viewer, pump.sent);

    let close: { code: number } | undefined;
    while (!close) {
      const f = await slow.readFrame();
      if (f.kind === "close") close = f;
    }
    assert.equal(close.code, CloseCode.slowConsumer);
    assert.equal(normal.viewer.socket.readyState, WebSocket.OPEN);
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
  } finally {
    for (const c of closers.reverse()) await c();
    await srv.close();
  }
});
