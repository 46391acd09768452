/**
 * The room client remembers a room that refused chat because its mailbox was full, and for
 * SHED_WINDOW_MS refuses that room's chat the same way (`slow_down`) without asking it;
 * other rooms, other commands and the same room after the window are asked. A room that
 * shed a stale message (what is queued behind it is fresher) is asked again at once. The
 * clock is injected: nothing here depends on wall-clock time.
 */
import assert from "node:assert/strict";
import { MailboxFullError } from "../engine/actor.ts";
import {
  type ActorAsker,
  RoomClient,
  RoomRequestError,
  SHED_WINDOW_MS,
} from "../actors/room/client.ts";

const actor = { userId: "u1", name: "one", kind: "guest" as const, roles: [] };

Deno.test("a room that said slow_down is not asked for chat again within the window", async () => {
  let now = 1_000;
  const asked: { id: string; kind: string }[] = [];
  let busy = true;
  const asker: ActorAsker = {
    ask<R>(_type: string, id: string, msg: unknown): Promise<R> {
      const kind = (msg as { kind: string }).kind;
      asked.push({ id, kind });
      if (busy && id === "hot") return Promise.reject(new MailboxFullError("rooms", id));
      if (id === "stale") return Promise.reject(new MailboxFullError("rooms", id, "stale"));
      return Promise.resolve({ ok: true, id: `m${asked.length}` } as R);
    },
  };
  const rooms = new RoomClient(asker, undefined, () => now);
  const code = (p: Promise<unknown>) =>
    p.then(() => "ok", (e) => e instanceof RoomRequestError ? e.code : String(e));

  assert.equal(await code(rooms.say("hot", actor, "one")), "slow_down");
  assert.equal(asked.length, 1);
  busy = false; // the room would take it now, but the client does not ask yet
  now += SHED_WINDOW_MS - 1;
  assert.equal(await code(rooms.say("hot", actor, "two")), "slow_down");
  assert.equal(asked.length, 1, "refused here, without a turn through the room's mailbox");
  assert.equal(await code(rooms.say("quiet", actor, "three")), "ok", "other rooms are asked");
  assert.equal(await code(rooms.info("hot")), "ok", "other commands are asked");
  assert.equal(asked.length, 3);
  now += 1; // the window is over
  assert.equal(await code(rooms.say("hot", actor, "four")), "ok");
  assert.deepEqual(asked.map((a) => `${a.id}:${a.kind}`), [
    "hot:say",
    "quiet:say",
    "hot:info",
    "hot:say",
  ]);
});

Deno.test("a room that shed a stale message is asked again at once (what follows is fresh)", async () => {
  let asked = 0;
  const asker: ActorAsker = {
    ask<R>(_type: string, id: string): Promise<R> {
      asked++;
      return Promise.reject(new MailboxFullError("rooms", id, "stale"));
    },
  };
  const rooms = new RoomClient(asker, undefined, () => 0);
  for (let i = 0; i < 3; i++) {
    await assert.rejects(rooms.say("stale", actor, `line ${i}`), (e: RoomRequestError) => {
      assert.equal(e.code, "slow_down");
      return true;
    });
  }
  assert.equal(asked, 3);
});
