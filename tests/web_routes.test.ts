/** Which page the web client renders for a URL (edge/web/client/src/routes.ts): the Room and
 * VOD pages by their paths, and the older hash links still landing on them. */
import assert from "node:assert/strict";
import { isHomeRoute, meetingIdOf, roomIdOf, vodOf } from "../edge/web/client/src/routes.ts";

const at = (url: string) => {
  const u = new URL(url, "http://x");
  return { pathname: u.pathname, hash: u.hash };
};

Deno.test("web routes: rooms by path and by the older hash; not the Go live page", () => {
  assert.equal(roomIdOf(at("/r/lobby")), "lobby");
  assert.equal(roomIdOf(at("/#room=old-link_1")), "old-link_1");
  assert.equal(roomIdOf(at("/#/golive?room=lobby")), null);
  assert.equal(roomIdOf(at("/#/vod?room=lobby")), null);
  assert.equal(roomIdOf(at("/r/bad%20id")), null);
  assert.equal(roomIdOf(at("/r/lobby/extra")), null);
  assert.equal(roomIdOf(at("/")), null);
  assert.equal(isHomeRoute(at("/r/lobby")), false);
});

Deno.test("web routes: recordings by path and by the older hash", () => {
  assert.deepEqual(vodOf(at("/vod/lobby")), { roomId: "lobby", recordingId: null });
  assert.deepEqual(vodOf(at("/vod/lobby/rec_1")), { roomId: "lobby", recordingId: "rec_1" });
  assert.deepEqual(vodOf(at("/#/vod?room=lobby&rec=rec_2")), {
    roomId: "lobby",
    recordingId: "rec_2",
  });
  assert.deepEqual(vodOf(at("/#/vod?room=lobby&rec=../x")), { roomId: "lobby", recordingId: null });
  assert.equal(vodOf(at("/#/vod")), null);
  assert.equal(vodOf(at("/#/vod?room=no%20spaces")), null);
  assert.equal(vodOf(at("/r/lobby")), null);
  assert.equal(isHomeRoute(at("/vod/lobby")), false);
});

Deno.test("web routes: a meeting by its path only", () => {
  assert.equal(meetingIdOf(at("/m/standup")), "standup");
  assert.equal(meetingIdOf(at("/m/standup?invite=abc.1.sig#key=k")), "standup");
  assert.equal(meetingIdOf(at("/m/bad%20id")), null);
  assert.equal(meetingIdOf(at("/r/standup")), null);
  assert.equal(roomIdOf(at("/m/standup")), null);
});
