/**
 * Meeting history (`meetings`, migration 171) on both relational backends: a started server on
 * PGlite (embedded) and one on Postgres (a scratch database). A meeting room holds two meetings
 * one after the other; the room keeps only the last, the history keeps both: each with its
 * start and end, who ended it, its attendance and, once written, its summary (labelled).
 * `GET /api/rooms/:id/meetings` lists them newest first for the room's host (pages with
 * `before`); another account is refused; `GET /api/rooms/:id/meetings/:meetingId` gives one in
 * full to the host and to whoever attended it, and to nobody else.
 */
import assert from "node:assert/strict";
import { type Frame } from "./helpers/edge_client.ts";
import { callJson as call, registerUser as register } from "./helpers/http.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const ROOM = "meet-history";

async function scenario(server: TestServer) {
  const base = server.url;
  const host = await register(base, "hist_host");
  const alice = await register(base, "hist_alice");
  const bob = await register(base, "hist_bob");
  const made = await call(base, "/api/rooms", {
    token: host.token,
    json: { id: ROOM, title: "History", kind: "meeting" },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const meeting = (token: string, json?: unknown) =>
    call(base, `/api/rooms/${ROOM}/meeting`, json ? { token, json } : { token });
  const history = (token: string, query = "") =>
    call(base, `/api/rooms/${ROOM}/meetings${query}`, { token });

  // first meeting: the host and alice; alice leaves, the host ends it
  const first = await meeting(host.token, { op: "join" });
  const firstId = first.body.view.meetingId as string;
  await meeting(alice.token, { op: "join" });
  await meeting(host.token, { op: "admit", userId: alice.id });
  await meeting(alice.token, { op: "leave" });
  await meeting(host.token, { op: "end" });
  // the summary is written beside the room; the history gets it too
  const one = await waitForValue("the first meeting with its summary in the history", async () => {
    const r = await history(host.token);
    return r.body.meetings?.find((m: Frame) => m.meetingId === firstId && m.overview)
      ? r
      : undefined;
  }, { timeoutMs: 60_000, stepMs: 250 });
  assert.equal(one.status, 200, JSON.stringify(one.body));

  // second meeting: the host alone; the room now holds only this one
  const second = await meeting(host.token, { op: "join" });
  const secondId = second.body.view.meetingId as string;
  assert.notEqual(secondId, firstId);
  await meeting(host.token, { op: "end" });
  const state = await meeting(host.token);
  assert.equal(state.body.view.meetingId, secondId, "the room keeps only its last meeting");

  const both = await waitForValue("both meetings in the history", async () => {
    const r = await history(host.token);
    return r.body.meetings?.length === 2 ? r.body.meetings as Frame[] : undefined;
  }, { timeoutMs: 60_000, stepMs: 250 });
  assert.deepEqual(both.map((m) => m.meetingId), [secondId, firstId], "newest first");
  const [latest, earlier] = both;
  assert.equal(earlier.attendees, 2);
  assert.equal(latest.attendees, 1);
  assert.equal(earlier.endedBy, host.id);
  assert.equal(earlier.source, "local");
  assert.equal(earlier.e2ee, false);
  assert.ok(earlier.startedAt <= earlier.endedAt && earlier.endedAt <= latest.endedAt);
  const page = await history(host.token, `?limit=1&before=${latest.endedAt}`);
  assert.deepEqual(page.body.meetings.map((m: Frame) => m.meetingId), [firstId]);

  // one meeting in full: the host, and alice who attended the first
  const full = await call(base, `/api/rooms/${ROOM}/meetings/${firstId}`, { token: host.token });
  assert.equal(full.status, 200, JSON.stringify(full.body));
  assert.deepEqual(
    full.body.attendance.map((a: Frame) => a.userId).sort(),
    [host.id, alice.id].sort(),
  );
  assert.ok(full.body.attendance.every((a: Frame) => a.leftAt >= a.joinedAt));
  assert.equal(full.body.summary.source, "local");
  const aliceRead = await call(base, `/api/rooms/${ROOM}/meetings/${firstId}`, {
    token: alice.token,
  });
  assert.equal(aliceRead.status, 200, JSON.stringify(aliceRead.body));
  const notHers = await call(base, `/api/rooms/${ROOM}/meetings/${secondId}`, {
    token: alice.token,
  });
  assert.equal(notHers.status, 404);
  assert.equal(notHers.body.error.code, "meeting_not_found");

  // the list is the host's: alice and bob are refused, a guest with no account too
  for (const who of [alice, bob]) {
    const r = await history(who.token);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error.code, "forbidden");
  }
  const anon = await call(base, `/api/rooms/${ROOM}/meetings`);
  assert.equal(anon.status, 401);
}

Deno.test({
  name: "meeting history on PGlite (embedded): both meetings kept, listed and read",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startTestServer({ accounts: true });
    try {
      await scenario(server);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "meeting history on Postgres: both meetings kept, listed and read",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await createScratchDatabase();
    try {
      const server = await startTestServer({ accounts: true, env: { DATABASE_URL: db.url } });
      try {
        await scenario(server);
      } finally {
        await server.close();
      }
    } finally {
      await db.drop();
    }
  },
});
