/**
 * Gifts off the room's mailbox turn: the room hands a tick's gifts to the ledger and goes on
 * with its mailbox; the outcome comes back as the room's own message, which acks the senders
 * and broadcasts. With the real ledger on Postgres behind a stall the test controls (the
 * ledger's transaction waits while the room's chat flows for a couple of seconds), chat is
 * acked and published while the gift is still being committed; then every gift is acked
 * exactly once, charged once, and broadcast once. With the database down, chat goes on and
 * gifts are refused with `ledger_unavailable`.
 */
import assert from "node:assert/strict";
import { SqlGiftLedger } from "../actors/economy/gift_ledger.ts";
import { getBalances } from "../actors/economy/wallets.ts";
import { RoomClient } from "../actors/room/client.ts";
import {
  type Actor,
  type GiftOutcome,
  type RoomBatch,
  roomOutSubject,
} from "../actors/room/contract.ts";
import type { GiftLedger, GiftRequest } from "../actors/room/ports.ts";
import { roomActorType } from "../actors/room/room_actor.ts";
import { appMigrations } from "../edge/wiring/migrations.ts";
import { decodeJson } from "../engine/codec.ts";
import { startEmbeddedEngine } from "../engine/embedded.ts";
import { createLogger } from "../engine/log.ts";
import { migrate } from "../engine/sql/migrate.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { fund, makeStreamerWithRoom, makeUser } from "./helpers/economy_fixtures.ts";
import { waitForValue } from "./helpers/wait.ts";

/** The real ledger, held back until the test lets its commits go. */
class StalledLedger implements GiftLedger {
  calls: GiftRequest[][] = [];
  #open!: () => void;
  #gate = new Promise<void>((r) => this.#open = r);
  constructor(private readonly inner: GiftLedger) {}
  async commitBatch(gifts: GiftRequest[]): Promise<GiftOutcome[]> {
    this.calls.push(gifts);
    await this.#gate;
    return await this.inner.commitBatch(gifts);
  }
  release(): void {
    this.#open();
  }
}

const log = createLogger({ test: "gifts_off_turn" }, "error");
const chatter = (i: number): Actor => ({
  userId: `chat${i}`,
  name: `chatter ${i}`,
  kind: "user",
  roles: [],
});

Deno.test("room: a slow ledger never holds up the room's chat; every gift is acked once", async () => {
  const db = await createScratchDatabase();
  const store = openPostgresStore(db.url);
  const dir = await Deno.makeTempDir({ prefix: "gifts_off_turn_" });
  const kv = await DenoKvStateStore.open(`${dir}/state.kv`);
  try {
    await migrate(store, await appMigrations());
    const { roomId } = await makeStreamerWithRoom(store);
    const fan = await makeUser(store, "fan");
    await fund(store, fan, 1_000n);
    const ledger = new StalledLedger(new SqlGiftLedger(store, { commissionBps: 3000, log }));
    const engine = await startEmbeddedEngine({
      store: kv,
      log,
      types: [roomActorType({ tickMs: 20, giftLedger: ledger })],
    });
    const batches: RoomBatch[] = [];
    const sub = engine.transport.subscribe(roomOutSubject(roomId), (m) => {
      batches.push(decodeJson<RoomBatch>(m.data));
    });
    const rooms = new RoomClient(engine.client);
    const fanActor: Actor = { userId: fan, name: "fan", kind: "user", roles: [] };
    try {
      await rooms.presence(roomId, "edge-1", 1);
      const acks: GiftOutcome[] = [];
      const gift = (key: string) =>
        rooms.gift(roomId, { actor: fanActor, giftId: "heart", count: 2, idempotencyKey: key })
          .then((o) => {
            acks.push(o);
            return o;
          });
      const first = gift("gift-key-0001");
      // the ledger has the first gift: its transaction is now stalled
      await waitForValue(
        "the ledger takes the gift",
        () => Promise.resolve(ledger.calls.length || undefined),
      );
      // a second gift and a retry of the first arrive while it is being committed
      const second = gift("gift-key-0002");
      const retry = gift("gift-key-0001");

      // chat flows in that room: every say is acked and published meanwhile
      const said: string[] = [];
      for (let i = 0; i < 30; i++) {
        const text = `still chatting ${i}`;
        const reply = await rooms.say(roomId, chatter(i % 10), text);
        assert.equal(typeof reply.id, "string");
        said.push(text);
      }
      const published = () =>
        batches.flatMap((b) => b.events.flatMap((e) => e.t === "danmaku" ? [e.d.text] : []));
      await waitForValue(
        "the chat is published",
        () => Promise.resolve(said.every((t) => published().includes(t)) || undefined),
      );
      assert.equal(acks.length, 0, "no gift acked while the ledger is stalled");
      assert.equal(ledger.calls.length, 1, "one batch at a time");

      ledger.release();
      const [o1, o2, o3] = await Promise.all([first, second, retry]);
      assert.ok(o1.ok && o2.ok && o3.ok, JSON.stringify([o1, o2, o3]));
      assert.equal(o1.ok && o1.replayed, false);
      assert.equal(o2.ok && o2.replayed, false);
      assert.equal(o3.ok && o3.replayed, true, "the retry is answered from the first result");
      assert.equal(acks.length, 3, "each request acked exactly once");
      // the retry and the second gift went to the ledger together, after the first batch
      assert.deepEqual(
        ledger.calls.map((c) => c.map((g) => g.idempotencyKey).sort()),
        [["gift-key-0001"], ["gift-key-0001", "gift-key-0002"]],
      );
      // charged once per distinct key: two hearts of 5, twice
      const balances = await getBalances(store, fan);
      assert.equal(balances.wallet, 1_000n - 20n);
      // broadcast once per committed gift (the replay is not shown again)
      const giftEvents = () => batches.flatMap((b) => b.events.filter((e) => e.t === "gift"));
      await waitForValue(
        "both gifts broadcast",
        () => Promise.resolve(giftEvents().length >= 2 || undefined),
      );
      await rooms.say(roomId, chatter(99), "after the gifts"); // one more batch goes out
      await waitForValue(
        "the last say is published",
        () => Promise.resolve(published().includes("after the gifts") || undefined),
      );
      assert.equal(giftEvents().length, 2);
    } finally {
      sub.unsubscribe();
      await engine.close();
    }
  } finally {
    await kv.close();
    await store.close();
    await db.drop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("room: with the database down, chat goes on and gifts are refused", async () => {
  // nothing listens on this port: every transaction fails at once
  const store = openPostgresStore("postgres://postgres@127.0.0.1:9/none", { max: 1 });
  const dir = await Deno.makeTempDir({ prefix: "gifts_db_down_" });
  const kv = await DenoKvStateStore.open(`${dir}/state.kv`);
  const engine = await startEmbeddedEngine({
    store: kv,
    log,
    types: [roomActorType({
      tickMs: 20,
      giftLedger: new SqlGiftLedger(store, { commissionBps: 3000, log, maxAttempts: 1 }),
    })],
  });
  try {
    const rooms = new RoomClient(engine.client);
    const fan: Actor = { userId: "fan", name: "fan", kind: "user", roles: [] };
    const gift = rooms.gift("down", {
      actor: fan,
      giftId: "heart",
      count: 1,
      idempotencyKey: "down-key-1",
    });
    const say = await rooms.say("down", chatter(1), "the database is down, chat is not");
    assert.equal(typeof say.id, "string");
    const outcome = await gift;
    assert.deepEqual(outcome.ok ? "committed" : outcome.code, "ledger_unavailable");
    const later = await rooms.say("down", chatter(2), "still here");
    assert.equal(typeof later.id, "string");
  } finally {
    await engine.close();
    await kv.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
