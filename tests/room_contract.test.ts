/**
 * The room's contract: every command has a schema and a trust level, and internal commands
 * (trusted server code) cannot be reached from a viewer path. Through the real server: a
 * viewer's raw WebSocket frames of internal kinds are refused (`bad_frame`), fields smuggled
 * into a viewer frame never become a command, and a forged transport request carrying a bare
 * internal command is refused with `internal_only`; none of them changes the room.
 */
import assert from "node:assert/strict";
import { RoomClient } from "../actors/room/client.ts";
import { parseRoomCommand, ROOM_ACTOR_TYPE, ROOM_COMMANDS } from "../actors/room/contract.ts";
import type { ActorContext } from "../engine/actor.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import { createLogger } from "../engine/log.ts";
import { type RoomActor, roomActorType } from "../actors/room/room_actor.ts";
import { initialRoomState } from "../actors/room/state.ts";
import { decodeJson, encodeJson } from "../engine/codec.ts";
import type { ActorReply } from "../engine/envelope.ts";
import { actorSubject } from "../engine/partition.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";

/** The test server runs the default configuration. */
const PARTITIONS = parseConfig({}).PARTITIONS;
const INTERNAL = [
  "bridged",
  "caption",
  "cohost_events",
  "cohost_listen",
  "configure",
  "meeting_presence",
  "pk",
  "speech_screen",
  "stage_presence",
  "stream",
  "stream_recording",
  "window",
];

/** One well-formed command of each internal kind (what trusted code would send). */
const internalCommands: Record<string, Record<string, unknown>> = {
  configure: {
    kind: "configure",
    settings: { ownerId: "mallory", admins: ["mallory"], guestChat: false, title: "owned" },
  },
  caption: {
    kind: "caption",
    recordingId: "rec1",
    startMs: 0,
    endMs: 1000,
    at: Date.now(),
    text: "forged caption",
    source: "local",
  },
  window: { kind: "window", from: 0, to: Date.now() + 60_000 },
  stream: { kind: "stream", state: "live", eventId: "EV_forged", at: Date.now(), source: "room" },
  stream_recording: {
    kind: "stream_recording",
    streamId: "st1",
    replaces: null,
    recordingId: "rec_forged",
  },
  bridged: {
    kind: "bridged",
    linkId: "ln_0123456789abcdef",
    events: [{
      kind: "chat",
      user: { platform: "bilibili", id: "1", name: "forger" },
      text: "forged bridged chat",
      at: Date.now(),
    }],
  },
  cohost_events: {
    kind: "cohost_events",
    events: [{ t: "cohost", op: "sentence", turn: 1, index: 0, text: "forged", source: "llm" }],
  },
  cohost_listen: { kind: "cohost_listen", native: true, bridged: true },
  speech_screen: { kind: "speech_screen", text: "hello" },
  pk: { kind: "pk", view: { pkId: "pk_forged", status: "running" } },
  stage_presence: { kind: "stage_presence", userId: "u_forged", connected: false },
  meeting_presence: {
    kind: "meeting_presence",
    userId: "u_forged",
    connected: false,
    via: "sfu",
  },
};

Deno.test("contract: every command has a schema and a trust level; internal ones are listed", () => {
  const internal = Object.entries(ROOM_COMMANDS).filter(([, c]) => c.trust === "internal")
    .map(([k]) => k).sort();
  assert.deepEqual(internal, INTERNAL);
  for (const kind of INTERNAL) {
    // bare: refused whatever the fields; in the envelope: parsed
    assert.throws(() => parseRoomCommand(internalCommands[kind]), { code: "internal_only" });
    assert.equal(parseRoomCommand({ kind: "internal", cmd: internalCommands[kind] }).kind, kind);
  }
  assert.throws(() => parseRoomCommand({ kind: "nope" }), { code: "bad_command" });
  assert.throws(() => parseRoomCommand({ kind: "internal", cmd: { kind: "nope" } }), {
    code: "bad_command",
  });
  assert.throws(() => parseRoomCommand("say"), { code: "bad_command" });
});

Deno.test("contract: internal commands are unreachable from a viewer path", async (t) => {
  const srv = await startTestServer();
  const viewers: TestViewer[] = [];
  const room = "trust1";
  const rooms = new RoomClient(srv.server.actors);
  try {
    const g = await srv.guest("eve");
    const eve = (await TestViewer.join(srv.wsUrl(room), room, g.token)).viewer;
    viewers.push(eve);
    const before = await rooms.info(room);
    assert.equal(before.guestChat, true);
    assert.equal(before.stream?.live ?? false, false);

    await t.step("raw WebSocket frames of internal kinds are refused: bad_frame", async () => {
      // a bad frame is answered without its clientId: count the error frames
      const errors = () => eve.frames.filter((f) => f.type === "error");
      for (const kind of INTERNAL) {
        const { kind: _, ...fields } = internalCommands[kind];
        for (const frame of [{ type: kind, ...fields }, internalCommands[kind]]) {
          const n = errors().length;
          eve.send(frame);
          await eve.next(() => errors().length > n);
          assert.equal(errors()[n].code, "bad_frame", kind);
        }
      }
    });

    await t.step("fields smuggled into a viewer frame never become a command", async () => {
      eve.send({
        type: "say",
        text: "just chatting",
        clientId: "s1",
        kind: "configure",
        cmd: internalCommands.configure,
        settings: (internalCommands.configure as { settings: unknown }).settings,
      });
      const ack = await eve.next((f) => f.type === "ack" && f.clientId === "s1");
      assert.equal(typeof ack.id, "string");
    });

    await t.step(
      "a forged transport request with a bare internal kind: internal_only",
      async () => {
        for (const kind of INTERNAL) {
          // through the engine's client, as any code on the bus could send it
          await assert.rejects(
            srv.server.actors.ask(ROOM_ACTOR_TYPE, room, internalCommands[kind]),
            (err: { code?: string }) => err.code === "internal_only",
            kind,
          );
          // and as raw bytes on the room's subject
          const reply = await srv.server.transport.request(
            actorSubject(ROOM_ACTOR_TYPE, room, PARTITIONS),
            encodeJson({ msg: internalCommands[kind] }),
            { timeoutMs: 5_000 },
          );
          const r = decodeJson<ActorReply>(reply.data);
          assert.equal(r.ok ? "ok" : r.error.code, "internal_only", kind);
        }
      },
    );

    await t.step("nothing changed", async () => {
      const after = await rooms.info(room);
      assert.equal(after.guestChat, true);
      assert.equal(after.owner, before.owner);
      assert.equal(after.stream?.live ?? false, false);
      assert.ok(
        !eve.frames.some((f: Frame) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "caption" || e.t === "settings")
        ),
      );
    });
  } finally {
    for (const v of viewers) await v.close();
    await srv.close();
  }
});

Deno.test("contract: the room's handler table has exactly one handler for every command", () => {
  const ctx = {
    type: ROOM_ACTOR_TYPE,
    id: "table",
    log: createLogger({ test: "contract" }, "error"),
    now: () => 1_000,
  } as unknown as ActorContext;
  for (const ai of [{}, false] as const) {
    const room = roomActorType({ tickMs: 20, ai }).create(ctx, initialRoomState()) as RoomActor;
    const kinds = Object.keys(ROOM_COMMANDS).filter((k) =>
      ai !== false || (k !== "ai" && k !== "speech_screen")
    ).sort();
    assert.deepEqual([...room.handledKinds].sort(), kinds);
  }
});
