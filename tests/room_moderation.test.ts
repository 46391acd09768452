import assert from "node:assert/strict";
import { ActorError } from "../engine/actor.ts";
import { type ModerateCommand, Moderation } from "../actors/room/moderation.ts";
import { initialRoomState, restoreRoomState } from "../actors/room/state.ts";

const cmd = (
  by: string,
  action: ModerateCommand["action"],
  target: string,
  roles: string[] = [],
  seconds?: number,
): ModerateCommand => ({
  kind: "moderate",
  actor: { userId: by, name: by, kind: "user", roles },
  action,
  target,
  seconds,
});

const forbidden = (err: unknown) => err instanceof ActorError && err.code === "forbidden";

Deno.test("moderation: owner hand-over when the owner is removed by a platform admin", () => {
  const m = new Moderation(initialRoomState());
  m.apply(cmd("root", "admin_add", "alice", ["admin"]), 0);
  m.apply(cmd("alice", "admin_add", "bob"), 0);
  assert.equal(m.owner, "alice");
  assert.throws(() => m.apply(cmd("bob", "admin_remove", "alice"), 0), forbidden);
  m.apply(cmd("root", "admin_remove", "alice", ["admin"]), 0);
  assert.equal(m.owner, "bob", "the next admin becomes the owner");
  assert.deepEqual(m.admins, ["bob"]);
  m.apply(cmd("bob", "admin_remove", "bob"), 0);
  assert.equal(m.owner, null);
});

Deno.test("moderation: lists survive a write/restore round trip; odd user ids are safe", () => {
  const state = initialRoomState();
  const m = new Moderation(state);
  m.apply(cmd("root", "admin_add", "alice", ["admin"]), 0);
  m.apply(cmd("alice", "ban", "__proto__"), 1_000);
  m.apply(cmd("alice", "mute", "constructor", [], 30), 1_000);
  assert.equal(m.isBanned("toString"), false);
  assert.equal(m.mutedUntil("hasOwnProperty", 1_000), undefined);
  m.writeTo(state);
  const again = new Moderation(restoreRoomState(JSON.parse(JSON.stringify(state))));
  assert.equal(again.isBanned("__proto__"), true);
  assert.equal(again.mutedUntil("constructor", 1_000), 31_000);
  assert.equal(again.mutedUntil("constructor", 31_000), undefined, "ended");
  assert.equal(again.expire(31_000), true);
  assert.equal(again.owner, "alice");
});

Deno.test("room state: damaged fields fall back one by one", () => {
  const restored = restoreRoomState({
    seq: 12,
    seqReserved: "x",
    bans: [{ userId: "dave", at: 5, by: "alice" }],
    window: "not a list",
    highlights: [{ nope: true }],
  });
  assert.equal(restored.seq, 12);
  assert.equal(restored.seqReserved, 0);
  assert.deepEqual(restored.bans, [{ userId: "dave", at: 5, by: "alice" }]);
  assert.deepEqual(restored.window, []);
  assert.deepEqual(restored.highlights, []);
  assert.deepEqual(restoreRoomState(undefined), initialRoomState());
});
