/**
 * The AI room manager inside the room actor, through the real runtime: warn (delivered +
 * warning to the sender), hide (refused with `message_hidden`, nobody sees it), mute (refused,
 * later messages refused until it ends), exemption of room admins, the audit log readable by
 * room admins only, and undo (mute lifted, hidden message restored for everyone). The AI's
 * mutes live in the room's one mute list: a rejoin, intake and the admins' list agree on
 * who is muted, until when and by whom; undo clears them; old stored states still load.
 */
import assert from "node:assert/strict";
import type { AuditEntry } from "../actors/ai/moderation/room_manager.ts";
import type { AiStateReply } from "../actors/room/contract.ts";
import type { Actor, JoinReply, ModerateReply } from "../actors/room/contract.ts";
import {
  aiRoomHarness,
  danmakuIds,
  PLATFORM_ADMIN,
  refusedWith,
  user,
} from "./helpers/ai_room_harness.ts";

const alice = user("alice"); // room admin
const bob = user("bob"); // a viewer
const carol = user("carol"); // another viewer

Deno.test("ai room: warn delivers with a warning; hide refuses quietly; admins are exempt", async () => {
  const h = await aiRoomHarness();
  try {
    await h.ask({ kind: "moderate", actor: PLATFORM_ADMIN, action: "admin_add", target: "alice" });
    const clean = await h.say(carol, "great stream today");
    assert.equal(clean.warning, undefined);

    const warned = await h.say(bob, "this is shit");
    assert.equal(warned.warning?.code, "warned");
    assert.match(warned.warning!.auditId, /^mod-\d+$/);
    assert.ok(warned.warning!.reasons.some((r) => r.startsWith("profanity:")));

    // flood-only first offence: hidden quietly (the room's duplicate guard allows 10 s apart)
    await h.say(carol, "follow my channel please");
    h.clock.advance(11_000);
    await h.say(carol, "follow my channel please");
    h.clock.advance(11_000);
    const hidden = await refusedWith(h.say(carol, "follow my channel please"), "message_hidden");
    const hiddenAudit = (hidden.details as { auditId: string }).auditId;
    assert.match(hiddenAudit, /^mod-\d+$/);

    const exempt = await h.say(alice, "this is shit");
    assert.equal(exempt.warning, undefined, "room admins are not moderated");

    await h.present();
    await h.waitEvent("danmaku", (e) => e.d.id === exempt.id);
    const ids = danmakuIds(h);
    assert.ok(ids.includes(warned.id), "a warned message is delivered");
    assert.ok(ids.includes(clean.id));
    assert.equal(
      h.events("danmaku").filter((e) => e.d.text === "follow my channel please").length,
      2,
      "the hidden third copy reached nobody",
    );

    // the audit log: room admins read it, viewers may not
    await refusedWith(h.ai(bob, { op: "audit" }), "forbidden");
    const { audit } = await h.ai<{ audit: AuditEntry[] }>(alice, { op: "audit" });
    assert.deepEqual(audit.map((a) => a.action), ["hide", "warn"], "newest first");
    assert.equal(audit[0].id, hiddenAudit);
    assert.equal(audit[1].messageId, warned.id);
    assert.equal(audit[1].by, "ai:local");
  } finally {
    await h.close();
  }
});

Deno.test("ai room: a severe message mutes; undo lifts the mute and restores the message", async () => {
  const h = await aiRoomHarness();
  try {
    const muted = await refusedWith(h.say(bob, "kys loser"), "muted");
    const details = muted.details as { until: number; auditId: string; reasons: string[] };
    assert.equal(details.until, h.clock.now + 60_000, "first mute: 60 s");
    assert.ok(details.reasons.some((r) => r.startsWith("violence:")));
    await refusedWith(h.say(bob, "hello again"), "muted");
    h.clock.advance(30_000);
    await refusedWith(h.say(bob, "still there?"), "muted");

    // undo needs a room admin
    await refusedWith(h.ai(bob, { op: "undo", auditId: details.auditId }), "forbidden");
    const undone = await h.ai<{ ok: boolean; entry: AuditEntry }>(PLATFORM_ADMIN, {
      op: "undo",
      auditId: details.auditId,
    });
    assert.equal(undone.entry.undone?.by, "root");
    await refusedWith(
      h.ai(PLATFORM_ADMIN, { op: "undo", auditId: details.auditId }),
      "audit_not_found",
    );

    // bob talks again; the restored message and a notice for bob went out
    const again = await h.say(bob, "sorry everyone");
    assert.equal(again.ok, true);
    await h.present();
    const restored = await h.waitEvent("danmaku", (e) => e.d.id === undone.entry.messageId);
    assert.equal(restored.d.text, "kys loser");
    const notice = await h.waitEvent("ai_notice", (e) => e.code === "unmuted");
    assert.equal(notice.to, "bob");

    // the room's own unmute (the moderation menu) also ends a mute by the AI
    await refusedWith(h.say(carol, "kys now"), "muted");
    await h.ask({ kind: "moderate", actor: PLATFORM_ADMIN, action: "unmute", target: "carol" });
    assert.equal((await h.say(carol, "ok I calm down")).ok, true);
    const log = await h.ai<{ audit: AuditEntry[] }>(PLATFORM_ADMIN, { op: "audit" });
    assert.equal(log.audit.find((a) => a.userId === "carol")?.undone?.by, "root");

    // persisted: after a restart the audit still shows the undo
    await h.restart();
    const { audit } = await h.ai<{ audit: AuditEntry[] }>(PLATFORM_ADMIN, { op: "audit" });
    assert.equal(audit.find((a) => a.id === details.auditId)?.undone?.by, "root");
  } finally {
    await h.close();
  }
});

Deno.test("ai room: bad ai commands change nothing; ai off refuses with ai_unavailable", async () => {
  const h = await aiRoomHarness();
  try {
    await refusedWith(h.ask({ kind: "ai", actor: bob, cmd: { op: "explode" } }), "bad_command");
    // the AI's own results come back in process (ctx.self): no wire message reaches them
    for (const kind of ["ai_internal", "ai"]) {
      await refusedWith(
        h.ask({
          kind,
          token: "forged",
          msg: { op: "answer", questionId: "q1", text: "x", citation: null, source: "llm" },
        }),
        "bad_command",
      );
    }
  } finally {
    await h.close();
  }
  const off = await aiRoomHarness({ ai: false });
  try {
    const r = await off.say(bob, "this is shit");
    assert.equal(r.warning, undefined, "no AI: no warning");
    await refusedWith(off.ai(bob, { op: "state" }), "ai_unavailable");
  } finally {
    await off.close();
  }
});

Deno.test("ai room: an AI mute is the room's mute: rejoin, intake and admins agree; undo clears it", async () => {
  const h = await aiRoomHarness();
  const join = (actor: Actor) => h.ask<JoinReply>({ kind: "join", edgeId: "e1", actor });
  try {
    const muted = await refusedWith(h.say(bob, "kys loser"), "muted");
    const { until, auditId } = muted.details as { until: number; auditId: string };
    assert.equal(until, h.clock.now + 60_000);

    // bob reconnects: the join tells him what intake will do, with the AI as the source
    assert.deepEqual((await join(bob)).self, { muted: { until, source: "ai" } });
    h.clock.advance(15_000);
    const refused = await refusedWith(h.say(bob, "am I muted?"), "muted");
    assert.deepEqual(refused.details, { until, source: "ai" });
    assert.match(refused.message, /for 45 s more \(by the room's AI moderator\)/);

    // room admins see the running mutes (the AI's and their own) in one list
    await h.ask({ kind: "moderate", actor: PLATFORM_ADMIN, action: "mute", target: "carol" });
    const state = await h.ai<AiStateReply>(PLATFORM_ADMIN, { op: "state" });
    assert.deepEqual(state.admin?.mutes.map((m) => [m.userId, m.source, m.by, m.auditId]), [
      ["bob", "ai", "ai:local", auditId],
      ["carol", "admin", "root", undefined],
    ]);
    assert.equal((await h.ai<AiStateReply>(bob, { op: "state" })).admin, undefined);

    // persisted with the room: a restart keeps it
    await h.restart();
    assert.deepEqual((await join(bob)).self, { muted: { until, source: "ai" } });

    // an admin undoes the AI's action in the audit log: the mute is gone everywhere
    await h.ai(PLATFORM_ADMIN, { op: "undo", auditId });
    assert.equal((await join(bob)).self, undefined);
    assert.equal((await h.say(bob, "thanks, I'll behave")).ok, true);
    const after = await h.ai<AiStateReply>(PLATFORM_ADMIN, { op: "state" });
    assert.deepEqual(after.admin?.mutes.map((m) => m.userId), ["carol"]);
    await h.restart();
    assert.equal((await join(bob)).self, undefined, "the undo was persisted");
    assert.deepEqual((await join(carol)).self?.muted?.source, "admin");
  } finally {
    await h.close();
  }
});

Deno.test("ai room: undo never lifts an admin's mute; an admin's unmute ends an AI mute", async () => {
  const h = await aiRoomHarness();
  const join = (actor: Actor) => h.ask<JoinReply>({ kind: "join", edgeId: "e1", actor });
  try {
    const muted = await refusedWith(h.say(bob, "kys loser"), "muted");
    const { auditId } = muted.details as { auditId: string };
    // an admin mutes bob for longer: that mute replaces the AI's
    const admin = await h.ask<ModerateReply>({
      kind: "moderate",
      actor: PLATFORM_ADMIN,
      action: "mute",
      target: "bob",
      seconds: 3_600,
    });
    assert.deepEqual((await join(bob)).self?.muted, { until: admin.until, source: "admin" });
    await h.ai(PLATFORM_ADMIN, { op: "undo", auditId });
    assert.deepEqual((await join(bob)).self?.muted, { until: admin.until, source: "admin" });
    await refusedWith(h.say(bob, "let me talk"), "muted");

    // the moderation menu's unmute ends an AI mute and marks its audit entry undone
    const second = await refusedWith(h.say(carol, "kys now"), "muted");
    assert.equal((await join(carol)).self?.muted?.source, "ai");
    await h.ask({ kind: "moderate", actor: PLATFORM_ADMIN, action: "unmute", target: "carol" });
    assert.equal((await join(carol)).self, undefined);
    const { audit } = await h.ai<{ audit: AuditEntry[] }>(PLATFORM_ADMIN, { op: "audit" });
    const entry = audit.find((a) => a.id === (second.details as { auditId: string }).auditId);
    assert.equal(entry?.undone?.by, "root");
  } finally {
    await h.close();
  }
});

Deno.test("ai room: a stored state from before the shared mute list loads with both mutes", async () => {
  const h = await aiRoomHarness();
  const join = (actor: Actor) => h.ask<JoinReply>({ kind: "join", edgeId: "e1", actor });
  try {
    const muted = await refusedWith(h.say(bob, "kys loser"), "muted");
    const { until, auditId } = muted.details as { until: number; auditId: string };
    const admin = await h.ask<ModerateReply>({
      kind: "moderate",
      actor: PLATFORM_ADMIN,
      action: "mute",
      target: "carol",
    });
    // rewrite the stored state as the old code kept it: AI mutes in `ai.moderator.mutes`,
    // room mutes without `source`
    await h.restart((stored) => {
      type Old = { userId: string; until: number; by: string; source?: string };
      const mutes = stored.mutes as Old[];
      assert.deepEqual(mutes.map((m) => m.source), ["ai", "admin"], JSON.stringify(mutes));
      const ai = stored.ai as { moderator: { mutes: Record<string, number> } };
      ai.moderator.mutes = { bob: until };
      return {
        ...stored,
        mutes: mutes.filter((m) => m.userId !== "bob")
          .map(({ userId, until, by }) => ({ userId, until, by })),
      };
    });
    assert.deepEqual((await join(bob)).self, { muted: { until, source: "ai" } });
    assert.deepEqual((await join(carol)).self, { muted: { until: admin.until, source: "admin" } });
    await refusedWith(h.say(bob, "hi"), "muted");
    // the audit entry was found again: undo still lifts the carried-over mute
    await h.ai(PLATFORM_ADMIN, { op: "undo", auditId });
    assert.equal((await join(bob)).self, undefined);
    assert.equal((await h.say(bob, "back")).ok, true);
  } finally {
    await h.close();
  }
});
