/**
 * Room settings from the accounts database reach the room actor, through the whole server:
 * on activation (the settings port) and at once after a change (`configure` from the
 * accounts routes). Guest chat off refuses guests (`guests_disabled`); the owner and the
 * database's room admins moderate; admins are edited in the settings only; a viewer cannot
 * send `configure`. On PGlite (embedded default) and on real Postgres.
 */
import assert from "node:assert/strict";
import { createScratchDatabase } from "./helpers/db.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

interface Api {
  (path: string, init?: { method?: string; json?: unknown; token?: string }): Promise<
    { status: number; body: Frame }
  >;
}

function apiOf(srv: TestServer): Api {
  return async (path, init = {}) => {
    const res = await fetch(`${srv.url}/api${path}`, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: {
        "content-type": "application/json",
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    return { status: res.status, body: await res.json() };
  };
}

async function register(api: Api, username: string) {
  const r = await api("/auth/register", { json: { username, password: "correct horse 9" } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.user.id as string, token: r.body.accessToken as string };
}

/** Send a frame with a clientId and wait for its answer. */
async function request(viewer: TestViewer, frame: Frame, clientId: string): Promise<Frame> {
  viewer.send({ ...frame, clientId });
  return await viewer.next((f) => f.clientId === clientId, 10_000);
}

async function withBackend(
  backend: "pglite" | "postgres",
  fn: (env: Record<string, string>) => Promise<void>,
) {
  if (backend === "pglite") return await fn({});
  const scratch = await createScratchDatabase("synapse_rs");
  try {
    await fn({ DATABASE_URL: scratch.url });
  } finally {
    await scratch.drop();
  }
}

for (const backend of ["pglite", "postgres"] as const) {
  Deno.test(`room settings: configure applies guest chat and admins at once [${backend}]`, () =>
    withBackend(backend, async (env) => {
      const srv = await startTestServer({ accounts: true, env });
      const sockets: TestViewer[] = [];
      const join = async (token: string) => {
        const j = await TestViewer.join(srv.wsUrl("settings-room"), "settings-room", token);
        sockets.push(j.viewer);
        return j;
      };
      try {
        const api = apiOf(srv);
        const owner = await register(api, "owner_rs");
        const mod = await register(api, "mod_rs");
        const fan = await register(api, "fan_rs");
        const created = await api("/rooms", {
          json: { id: "settings-room", title: "Settings" },
          token: owner.token,
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.settingsApplied, true);

        const guest = await join((await srv.guest("guesty")).token);
        assert.equal(guest.welcome.room.owner, owner.id);
        assert.equal(guest.welcome.room.guestChat, true);
        assert.equal(guest.welcome.room.managed, true);
        assert.equal((await request(guest.viewer, { type: "say", text: "hi" }, "g1")).type, "ack");

        // Guest chat off: refused at once, the change announced in the room.
        const off = await api("/rooms/settings-room", {
          method: "PATCH",
          json: { guestChat: false, admins: [mod.id] },
          token: owner.token,
        });
        assert.equal(off.status, 200, JSON.stringify(off.body));
        assert.equal(off.body.settingsApplied, true);
        const refused = await request(guest.viewer, { type: "say", text: "still here" }, "g2");
        assert.equal(refused.type, "error");
        assert.equal(refused.code, "guests_disabled");
        const giftRefused = await request(guest.viewer, {
          type: "gift",
          giftId: "rose",
          count: 1,
          idempotencyKey: "guest-gift-1",
        }, "g3");
        assert.equal(giftRefused.code, "guests_disabled");
        const isOff = (e: Frame) => e.t === "settings" && e.s.guestChat === false;
        const announced = await guest.viewer.next((f) =>
          f.type === "batch" && f.events.some(isOff)
        );
        const settingsEvent = announced.events.find(isOff);
        assert.deepEqual(settingsEvent.s.admins, [mod.id]);

        // Registered viewers still chat; the database's admin moderates them.
        const fanJoin = await join(fan.token);
        assert.equal(
          (await request(fanJoin.viewer, { type: "say", text: "yo" }, "f1")).type,
          "ack",
        );
        const modJoin = await join(mod.token);
        assert.deepEqual(modJoin.welcome.room.admins, [mod.id]);
        const notAdmin = await request(
          fanJoin.viewer,
          { type: "mod", action: "mute", target: mod.id },
          "f2",
        );
        assert.equal(notAdmin.code, "forbidden");
        const muted = await request(
          modJoin.viewer,
          { type: "mod", action: "mute", target: fan.id, seconds: 60 },
          "m1",
        );
        assert.equal(muted.type, "mod_ok", JSON.stringify(muted));
        assert.equal(
          (await request(fanJoin.viewer, { type: "say", text: "hello?" }, "f3")).code,
          "muted",
        );
        // Admins live in the settings, not in socket commands; nor can the owner be muted.
        const addAdmin = await request(
          modJoin.viewer,
          { type: "mod", action: "admin_add", target: fan.id },
          "m2",
        );
        assert.equal(addAdmin.code, "settings_managed");
        const muteOwner = await request(
          modJoin.viewer,
          { type: "mod", action: "mute", target: owner.id },
          "m3",
        );
        assert.equal(muteOwner.code, "forbidden");

        // A viewer cannot configure the room: the edge has no such client frame.
        guest.viewer.send({
          type: "configure",
          settings: { ownerId: "x", admins: [], guestChat: true },
        });
        assert.equal(
          (await guest.viewer.next((f) => f.type === "error" && f.code === "bad_frame")).code,
          "bad_frame",
        );
        assert.equal(
          (await request(guest.viewer, { type: "say", text: "let me in" }, "g4")).code,
          "guests_disabled",
        );

        // Removing the admin takes their rights at once.
        await api("/rooms/settings-room", {
          method: "PATCH",
          json: { admins: [] },
          token: owner.token,
        });
        const demoted = await request(
          modJoin.viewer,
          { type: "mod", action: "unmute", target: fan.id },
          "m4",
        );
        assert.equal(demoted.code, "forbidden");
        // Guest chat on again.
        await api("/rooms/settings-room", {
          method: "PATCH",
          json: { guestChat: true },
          token: owner.token,
        });
        assert.equal(
          (await request(guest.viewer, { type: "say", text: "back again" }, "g5")).type,
          "ack",
        );
      } finally {
        for (const s of sockets) await s.close();
        await srv.close();
      }
    }));
}

Deno.test("room settings: a fresh room actor reads them from Postgres on activation", () =>
  withBackend("postgres", async (env) => {
    // First server: the streamer registers a room with guest chat off.
    const first = await startTestServer({ accounts: true, env });
    let owner: { id: string; token: string };
    try {
      const api = apiOf(first);
      owner = await register(api, "owner_act");
      const created = await api("/rooms", {
        json: { id: "cold-room", title: "Cold", guestChat: false },
        token: owner.token,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    } finally {
      await first.close();
    }
    // Second server: new actor state (another DATA_DIR), same database. The room actor has
    // never heard of a `configure`: what it knows comes from the settings port.
    const second = await startTestServer({ accounts: true, env });
    let viewer: TestViewer | undefined;
    try {
      const { token } = await second.guest("cold");
      const joined = await TestViewer.join(second.wsUrl("cold-room"), "cold-room", token);
      viewer = joined.viewer;
      assert.equal(joined.welcome.room.owner, owner.id);
      assert.equal(joined.welcome.room.guestChat, false);
      assert.equal(joined.welcome.room.title, "Cold");
      const refused = await request(viewer, { type: "say", text: "hello" }, "c1");
      assert.equal(refused.code, "guests_disabled");
      // An unregistered room keeps today's behaviour: guests chat.
      const adhoc = await TestViewer.join(second.wsUrl("adhoc"), "adhoc", token);
      try {
        assert.equal(adhoc.welcome.room.managed, false);
        assert.equal((await request(adhoc.viewer, { type: "say", text: "hi" }, "a1")).type, "ack");
      } finally {
        await adhoc.viewer.close();
      }
    } finally {
      await viewer?.close();
      await second.close();
    }
  }));
