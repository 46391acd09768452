/**
 * Thousands of random gifts (through the room actors' group commit, on the engine runtime)
 * and top-ups from many users into many rooms, some retried with the same idempotency key,
 * some raced through a second ledger, with the whole engine and the database connection
 * restarted between rounds. At the end the books must balance: wallets + earnings + held +
 * platform == top-ups, every ledger pair complete, every key charged at most once, and every
 * sender's spending equal to what the acks told them.
 */
import assert from "node:assert/strict";
import { SqlGiftLedger } from "../actors/economy/gift_ledger.ts";
import { auditLedger } from "../actors/economy/invariants.ts";
import { getBalances, topUp } from "../actors/economy/wallets.ts";
import type { Actor, GiftOutcome } from "../actors/room/contract.ts";
import { ROOM_ACTOR_TYPE, roomActorType } from "../actors/room/room_actor.ts";
import { migrate } from "../engine/sql/migrate.ts";
import { appMigrations } from "../edge/wiring/migrations.ts";
import { openPgliteStore } from "../engine/sql/pglite_store.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { type SqlStore, toBigInt } from "../engine/sql/sql.ts";
import { ActorClient } from "../engine/client.ts";
import { type EmbeddedEngine, startEmbeddedEngine } from "../engine/embedded.ts";
import { createLogger } from "../engine/log.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { type Backend, createScratchDatabase } from "./helpers/db.ts";
import { devProvider, makeStreamerWithRoom, makeUser } from "./helpers/economy_fixtures.ts";
import { seededRandom } from "./helpers/rng.ts";

const USERS = 40;
const ROOMS = 6;
const ROUNDS = 3;
const OPS_PER_ROUND = 900;
const BPS = 3000;
const PARTITIONS = 64;
const PRICES: Record<string, bigint> = { rose: 1n, heart: 5n, coffee: 20n, star: 100n };
const GIFT_IDS = Object.keys(PRICES);

interface SentGift {
  senderId: string;
  key: string;
  roomId: string;
  giftId: string;
  count: number;
}

interface World {
  store: SqlStore;
  engine: EmbeddedEngine;
  /**
   * Asks the rooms with a long reply timeout: the storm queues hundreds of gifts on one
   * embedded database at once, and a busy machine may take longer than a viewer's 5 s to
   * commit them; the test is about exactly-once, not latency.
   */
  client: ActorClient;
  kv: DenoKvStateStore;
  /** A second ledger (another process's) racing the actors on some keys. */
  rival: SqlGiftLedger;
  rivalStore: SqlStore;
}

async function runStorm(backend: Backend) {
  const seed = Date.now() % 1_000_000;
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const dir = await Deno.makeTempDir({ prefix: "economy_storm_" });
  const scratch = backend === "postgres" ? await createScratchDatabase() : undefined;
  const log = createLogger({ test: "storm" }, "error");

  const openSql = async (): Promise<SqlStore> => {
    const store = scratch ? openPostgresStore(scratch.url) : await openPgliteStore(`${dir}/pg`);
    await migrate(store, await appMigrations());
    return store;
  };
  const openWorld = async (): Promise<World> => {
    const store = await openSql();
    // PGlite is one embedded connection: the rival shares it (its transactions queue).
    const rivalStore = scratch ? openPostgresStore(scratch.url, { max: 2 }) : store;
    const ledger = new SqlGiftLedger(store, { commissionBps: BPS, log });
    const kv = await DenoKvStateStore.open(`${dir}/state.kv`);
    const engine = await startEmbeddedEngine({
      partitions: PARTITIONS,
      store: kv,
      log,
      types: [roomActorType({ tickMs: 20, giftLedger: ledger })],
    });
    return {
      store,
      engine,
      client: new ActorClient(engine.transport, { partitions: PARTITIONS, timeoutMs: 60_000 }),
      kv,
      rivalStore,
      rival: new SqlGiftLedger(rivalStore, { commissionBps: BPS, log }),
    };
  };
  const closeWorld = async (w: World) => {
    await w.engine.close();
    await w.kv.close();
    if (w.rivalStore !== w.store) await w.rivalStore.close();
    await w.store.close();
  };

  let world = await openWorld();
  try {
    const users: string[] = [];
    const rooms: { roomId: string; streamerId: string }[] = [];
    for (let i = 0; i < ROOMS; i++) rooms.push(await makeStreamerWithRoom(world.store));
    for (let i = 0; i < USERS; i++) users.push(await makeUser(world.store));
    const everyone = [...users, ...rooms.map((r) => r.streamerId)];

    const topUpsByKey = new Map<string, { userId: string; amount: bigint }>();
    const outcomesByKey = new Map<string, { gift: SentGift; outcomes: GiftOutcome[] }>();
    const sent: SentGift[] = [];
    const actorOf = (userId: string): Actor => ({
      userId,
      name: `n-${userId.slice(0, 8)}`,
      kind: "user",
      roles: [],
    });

    const doTopUp = async (userId: string, key: string, amount: bigint) => {
      const r = await topUp(world.store, devProvider, { userId, amount, idempotencyKey: key });
      assert.equal(r.amount, amount);
      topUpsByKey.set(key, { userId, amount });
    };
    const viaActor = (g: SentGift) =>
      world.client.ask<GiftOutcome>(ROOM_ACTOR_TYPE, g.roomId, {
        kind: "gift",
        actor: actorOf(g.senderId),
        giftId: g.giftId,
        count: g.count,
        idempotencyKey: g.key,
      });
    const record = (g: SentGift, o: GiftOutcome) => {
      const k = `${g.senderId}/${g.key}`;
      const entry = outcomesByKey.get(k) ?? { gift: g, outcomes: [] };
      entry.outcomes.push(o);
      outcomesByKey.set(k, entry);
    };

    for (const u of everyone) {
      await doTopUp(u, `seed-${u}`, BigInt(50 + Math.floor(random() * 400)));
    }

    for (let round = 0; round < ROUNDS; round++) {
      const ops: Promise<void>[] = [];
      for (let i = 0; i < OPS_PER_ROUND; i++) {
        const roll = random();
        if (roll < 0.08) {
          const userId = pick(everyone);
          const key = `topup-${crypto.randomUUID()}`;
          const amount = BigInt(1 + Math.floor(random() * 200));
          ops.push(doTopUp(userId, key, amount));
          if (random() < 0.3) ops.push(doTopUp(userId, key, amount)); // a retried top-up
          continue;
        }
        const retry = sent.length > 0 && roll < 0.2;
        const g: SentGift = retry ? pick(sent) : {
          senderId: pick(everyone),
          key: `gift-${crypto.randomUUID()}`,
          roomId: pick(rooms).roomId,
          giftId: pick(GIFT_IDS),
          count: 1 + Math.floor(random() * 4),
        };
        if (!retry) sent.push(g);
        ops.push(viaActor(g).then((o) => record(g, o)));
        // Now and then the same gift races through another process's ledger.
        if (random() < 0.04) {
          ops.push(
            world.rival.commitBatch([{
              idempotencyKey: g.key,
              roomId: g.roomId,
              senderId: g.senderId,
              senderName: "rival",
              giftId: g.giftId,
              count: g.count,
            }]).then(([o]) => record(g, o)),
          );
        }
      }
      await Promise.all(ops);

      // Reused keys with different content, after their first (successful) result is known.
      const charged = sent.filter((g) =>
        outcomesByKey.get(`${g.senderId}/${g.key}`)?.outcomes.some((o) => o.ok)
      );
      for (const g of charged.slice(-15)) {
        const other = { ...g, count: g.count + 1 };
        const o = await viaActor(other);
        assert.equal(o.ok ? "ok" : o.code, "idempotency_conflict");
      }

      // Restart everything: engine, actor state store, database connections.
      await closeWorld(world);
      world = await openWorld();
    }

    // After the restarts, retry a sample of everything once more: all answered as before.
    for (const g of sent.slice(0, 200)) record(g, await viaActor(g));

    const audit = await auditLedger(world.store);
    const show = JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? `${v}` : v));
    assert.equal(audit.unpairedEntries, 0, show);
    assert.equal(audit.accountsOffLedger, 0, show);
    assert.equal(audit.doubleCharges, 0, show);
    const expectedTopUps = [...topUpsByKey.values()].reduce((s, t) => s + t.amount, 0n);
    assert.equal(audit.topups, expectedTopUps, show);
    assert.equal(audit.inside, expectedTopUps, show);
    assert.ok(audit.platform > 0n);

    // Every key: all ok answers identical (replays return the first result); the database
    // holds one gift for it exactly when some answer was ok.
    const rows = await world.store.query<
      { sender_id: string; idempotency_key: string; amount: unknown; n: unknown }
    >(
      `SELECT sender_id, idempotency_key, sum(amount) AS amount, count(*) AS n
         FROM gifts GROUP BY sender_id, idempotency_key`,
    );
    const inDb = new Map(rows.map((r) => [`${r.sender_id}/${r.idempotency_key}`, r]));
    const spentBySender = new Map<string, bigint>();
    let okKeys = 0;
    let refused = 0;
    for (const [k, { gift, outcomes }] of outcomesByKey) {
      const oks = outcomes.filter((o): o is Extract<GiftOutcome, { ok: true }> => o.ok);
      const row = inDb.get(k);
      if (oks.length === 0) {
        refused++;
        assert.equal(row, undefined, `refused key ${k} left a gift`);
        for (const o of outcomes) {
          const expected = !o.ok && (o.code === "insufficient_funds" || o.code === "self_gift");
          assert.ok(expected, JSON.stringify(o));
        }
        continue;
      }
      okKeys++;
      // The only refusal an eventually charged key may have met: an empty wallet, before.
      for (const o of outcomes) {
        if (!o.ok) assert.equal(o.code, "insufficient_funds", `${k}: ${JSON.stringify(o)}`);
      }
      assert.ok(row, `acked key ${k} has no gift`);
      assert.equal(Number(row.n), 1);
      const amount = PRICES[gift.giftId] * BigInt(gift.count);
      assert.equal(toBigInt(row.amount), amount);
      // (Several answers may say replayed: false when a retry joined the queued first request
      // inside the room; they are the same answer. The database row count is the charge.)
      for (const o of oks) {
        assert.equal(o.amount, oks[0].amount);
        assert.equal(o.senderBalance, oks[0].senderBalance);
      }
      spentBySender.set(gift.senderId, (spentBySender.get(gift.senderId) ?? 0n) + amount);
    }
    assert.equal(rows.length, okKeys, "no gift the senders were not told about");
    assert.ok(okKeys > 1000, `only ${okKeys} gifts went through`);
    assert.ok(refused > 0, "some gifts should have met empty wallets");

    // Each wallet: its top-ups minus exactly what its acks charged.
    const toppedUp = new Map<string, bigint>();
    for (const t of topUpsByKey.values()) {
      toppedUp.set(t.userId, (toppedUp.get(t.userId) ?? 0n) + t.amount);
    }
    for (const u of everyone) {
      const { wallet } = await getBalances(world.store, u);
      assert.equal(
        wallet,
        (toppedUp.get(u) ?? 0n) - (spentBySender.get(u) ?? 0n),
        `wallet of ${u}`,
      );
    }
  } catch (err) {
    throw new Error(`storm failed (seed ${seed}): ${err instanceof Error ? err.message : err}`, {
      cause: err,
    });
  } finally {
    await closeWorld(world);
    await scratch?.drop();
    await Deno.remove(dir, { recursive: true });
  }
}

for (const backend of ["postgres", "pglite"] as const) {
  Deno.test(`economy storm: random gifts and top-ups with retries and restarts [${backend}]`, () =>
    runStorm(backend));
}
