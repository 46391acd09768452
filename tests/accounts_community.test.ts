import assert from "node:assert/strict";
import { setRoles } from "../edge/accounts/users.ts";
import { errorCode, startAccountsApp } from "./helpers/accounts_app.ts";
import { dbTest } from "./helpers/db.ts";

type App = Awaited<ReturnType<typeof startAccountsApp>>;

async function signUp(app: App, username: string) {
  const res = await app.api("/api/auth/register", {
    method: "POST",
    json: { username, password: "a fine password" },
  });
  assert.equal(res.status, 201);
  const body = await res.json();
  return { id: body.user.id as string, token: body.accessToken as string };
}

dbTest("rooms: create, edit, admins, permissions, stream on and off", async (db) => {
  const app = await startAccountsApp(db.store);
  try {
    const sam = await signUp(app, "sam");
    const ann = await signUp(app, "ann");
    const eve = await signUp(app, "eve");
    const created = await app.api("/api/rooms", {
      method: "POST",
      token: sam.token,
      json: { id: "sams-room", title: "Speedruns", category: "games" },
    });
    assert.equal(created.status, 201);
    const room = (await created.json()).room;
    assert.equal(room.ownerId, sam.id);
    assert.equal(room.guestChat, true);
    // Creating a room made Sam a streamer (roles come fresh from the database).
    assert.deepEqual((await (await app.api("/api/me", { token: sam.token })).json()).user.roles, [
      "viewer",
      "streamer",
    ]);
    const dup = await app.api("/api/rooms", {
      method: "POST",
      token: ann.token,
      json: { id: "sams-room", title: "Mine" },
    });
    assert.equal(await errorCode(dup), "room_taken");
    const bad = await app.api("/api/rooms", {
      method: "POST",
      token: sam.token,
      json: { title: "", coverUrl: "javascript:alert(1)" },
    });
    assert.equal(await errorCode(bad), "invalid_request");

    const patch = (token: string, json: unknown) =>
      app.api("/api/rooms/sams-room", { method: "PATCH", token, json });
    assert.equal(await errorCode(await patch(eve.token, { title: "pwned" })), "forbidden");
    const edited = await patch(sam.token, {
      title: "Any% runs",
      guestChat: false,
      coverUrl: "https://img.example/c.png",
      admins: [ann.id],
    });
    assert.equal(edited.status, 200);
    const after = (await edited.json()).room;
    assert.equal(after.title, "Any% runs");
    assert.equal(after.guestChat, false);
    assert.deepEqual(after.admins, [ann.id]);
    // A room admin edits the presentation, not the admin list.
    assert.equal((await patch(ann.token, { category: "speedrun" })).status, 200);
    assert.equal(await errorCode(await patch(ann.token, { admins: [] })), "forbidden");
    assert.equal(await errorCode(await patch(sam.token, { admins: ["ghost"] })), "unknown_user");
    const settings = await (await app.api("/api/rooms/sams-room/settings")).json();
    assert.equal(settings.room.category, "speedrun");

    // Stream on air and off; only managers may do it.
    assert.equal(
      await errorCode(
        await app.api("/api/rooms/sams-room/stream/start", { method: "POST", token: eve.token }),
      ),
      "forbidden",
    );
    const on = await (await app.api("/api/rooms/sams-room/stream/start", {
      method: "POST",
      token: ann.token,
    })).json();
    assert.equal(on.live, true);
    const off = await (await app.api("/api/rooms/sams-room/stream/stop", {
      method: "POST",
      token: sam.token,
    })).json();
    assert.equal(off.streamId, on.streamId);

    // Platform admin may edit any room; deleting works while the room has no gifts.
    await setRoles(db.store, eve.id, ["admin"]);
    app.clock.now += 5_000; // past the resolver's short session cache: roles are re-read
    assert.equal((await patch(eve.token, { title: "Moderated" })).status, 200);
    const del = await app.api("/api/rooms/sams-room", { method: "DELETE", token: sam.token });
    assert.equal(del.status, 200);
    assert.equal(await errorCode(await app.api("/api/rooms/sams-room/settings")), "unknown_room");
  } finally {
    await app.close();
  }
});

dbTest("follows: follow, unfollow, lists, and live now from people I follow", async (db) => {
  const app = await startAccountsApp(db.store);
  try {
    const viewer = await signUp(app, "viewer1");
    const s1 = await signUp(app, "streamer1");
    const s2 = await signUp(app, "streamer2");
    for (const [s, id] of [[s1, "room-one"], [s2, "room-two"]] as const) {
      await app.api("/api/rooms", { method: "POST", token: s.token, json: { id, title: id } });
    }
    const followRes = await app.api(`/api/users/${s1.id}/follow`, {
      method: "POST",
      token: viewer.token,
    });
    assert.deepEqual(await followRes.json(), { following: true, created: true });
    const twice = await app.api(`/api/users/${s1.id}/follow`, {
      method: "POST",
      token: viewer.token,
    });
    assert.equal((await twice.json()).created, false);
    await app.api(`/api/users/${s2.id}/follow`, { method: "POST", token: viewer.token });
    assert.equal(
      await errorCode(
        await app.api(`/api/users/${viewer.id}/follow`, { method: "POST", token: viewer.token }),
      ),
      "cannot_follow_self",
    );
    assert.equal(
      await errorCode(
        await app.api(`/api/users/nobody/follow`, { method: "POST", token: viewer.token }),
      ),
      "unknown_user",
    );
    assert.equal(
      await errorCode(await app.api(`/api/users/${s1.id}/follow`, { method: "POST" })),
      "token_missing",
    );

    const following = await (await app.api(`/api/users/${viewer.id}/following`)).json();
    assert.deepEqual(
      following.following.map((f: { userId: string }) => f.userId).sort(),
      [s1.id, s2.id].sort(),
    );
    const followers = await (await app.api(`/api/users/${s1.id}/followers`)).json();
    assert.deepEqual(followers.followers.map((f: { userId: string }) => f.userId), [viewer.id]);
    const profile = await (await app.api(`/api/users/${s1.id}`)).json();
    assert.equal(profile.followers, 1);

    // Only room-two goes live.
    await app.api("/api/rooms/room-two/stream/start", { method: "POST", token: s2.token });
    const live = await (await app.api("/api/me/following/live", { token: viewer.token })).json();
    assert.deepEqual(live.live.map((r: { roomId: string }) => r.roomId), ["room-two"]);

    const un = await app.api(`/api/users/${s2.id}/follow`, {
      method: "DELETE",
      token: viewer.token,
    });
    assert.deepEqual(await un.json(), { following: false, removed: true });
    const liveAfter = await (await app.api("/api/me/following/live", { token: viewer.token }))
      .json();
    assert.deepEqual(liveAfter.live, []);
  } finally {
    await app.close();
  }
});
