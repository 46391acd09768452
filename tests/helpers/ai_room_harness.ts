/**
 * A room actor with its AI through the real runtime (embedded engine, in-process transport,
 * Deno KV on a temp file), a test clock for what the room sees as time, and a collector of
 * every batch it publishes. Used by tests/ai_room_*.test.ts.
 */
import assert from "node:assert/strict";
import { ActorError } from "../../engine/actor.ts";
import { decodeJson } from "../../engine/codec.ts";
import { type EmbeddedEngine, startEmbeddedEngine } from "../../engine/embedded.ts";
import { DenoKvStateStore } from "../../engine/state_store_denokv.ts";
import type { AiOp } from "../../actors/room/contract.ts";
import {
  type Actor,
  type RoomBatch,
  type RoomEvent,
  roomOutSubject,
  type SayReply,
} from "../../actors/room/contract.ts";
import {
  ROOM_ACTOR_TYPE,
  type RoomActorOptions,
  roomActorType,
} from "../../actors/room/room_actor.ts";
import type { z } from "zod";

export const ROOM = "ai-room";

export const user = (id: string, roles: string[] = []): Actor => ({
  userId: id,
  name: `name-${id}`,
  kind: "user",
  roles,
});
export const PLATFORM_ADMIN = user("root", ["admin"]);

export interface AiRoomHarness {
  engine: EmbeddedEngine;
  clock: { now: number; advance(ms: number): void };
  batches: RoomBatch[];
  say(actor: Actor, text: string): Promise<SayReply>;
  ai<R = Record<string, unknown>>(actor: Actor, cmd: z.input<typeof AiOp>): Promise<R>;
  ask<R>(msg: unknown): Promise<R>;
  /** Keeps the room ticking as if an edge held one viewer. */
  present(): Promise<void>;
  /** All events of type `t` published so far. */
  events<T extends RoomEvent["t"]>(t: T): Extract<RoomEvent, { t: T }>[];
  waitEvent<T extends RoomEvent["t"]>(
    t: T,
    pred?: (e: Extract<RoomEvent, { t: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<RoomEvent, { t: T }>>;
  /** Stops and starts again; `edit` may rewrite the stored room state while it is down. */
  restart(edit?: (stored: Record<string, unknown>) => unknown): Promise<void>;
  close(): Promise<void>;
}

export async function aiRoomHarness(opts: Partial<RoomActorOptions> = {}): Promise<AiRoomHarness> {
  const dir = await Deno.makeTempDir({ prefix: "ai_room_" });
  const path = `${dir}/state.kv`;
  let t = 1_700_000_000_000;
  const clock = {
    get now() {
      return t;
    },
    advance(ms: number) {
      t += ms;
    },
  };
  let store = await DenoKvStateStore.open(path);
  const batches: RoomBatch[] = [];
  const start = async () => {
    const engine = await startEmbeddedEngine({
      store,
      clock: () => t,
      persistIntervalMs: 50,
      types: [roomActorType({ tickMs: 10, ...opts })],
    });
    engine.transport.subscribe(roomOutSubject(ROOM), (m) => {
      batches.push(decodeJson<RoomBatch>(m.data));
    });
    return engine;
  };
  const events = <T extends RoomEvent["t"]>(type: T) =>
    batches.flatMap((b) => b.events).filter((e): e is Extract<RoomEvent, { t: T }> => e.t === type);
  const h: AiRoomHarness = {
    engine: await start(),
    clock,
    batches,
    say: (actor, text) => h.ask<SayReply>({ kind: "say", actor, text }),
    ai: (actor, cmd) => h.ask({ kind: "ai", actor, cmd }),
    ask: <R>(msg: unknown) => h.engine.client.ask<R>(ROOM_ACTOR_TYPE, ROOM, msg),
    present: async () => {
      await h.ask({ kind: "presence", edgeId: "edge-1", viewers: 1 });
    },
    events,
    async waitEvent(type, pred = () => true, timeoutMs = 5_000) {
      for (let waited = 0;; waited += 10) {
        const found = events(type).find(pred);
        if (found) return found;
        if (waited >= timeoutMs) {
          throw new Error(`no ${type} event; got ${JSON.stringify(batches).slice(0, 1500)}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async restart(edit) {
      await h.engine.close();
      await store.close();
      store = await DenoKvStateStore.open(path);
      if (edit) {
        const key = ["actor", ROOM_ACTOR_TYPE, ROOM];
        const stored = await store.get<{ state: Record<string, unknown> }>(key);
        assert.ok(stored, "the room has stored state");
        const value = { ...stored.value, state: edit(stored.value.state) };
        assert.ok(await store.set(key, value, stored.version), "state rewritten");
      }
      h.engine = await start();
    },
    async close() {
      await h.engine.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return h;
}

/** Awaits a refusal with `code`; returns the error (its details carry audit ids). */
export async function refusedWith(p: Promise<unknown>, code: string): Promise<ActorError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ActorError, `expected ActorError ${code}, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected refusal ${code}`);
}

export const danmakuIds = (h: AiRoomHarness) => h.events("danmaku").map((e) => e.d.id);
