/**
 * PollLoop: an idle loop waits longer and longer (pollMs doubling up to maxIdleMs), a nudge
 * wakes it at once and starts the waits over, work with more to do runs again at once.
 * No wall-clock assertion: the waits are read from the loop, and "at once" is a round that
 * comes while the loop would otherwise sleep for a minute.
 */
import assert from "node:assert/strict";
import { idleWait, PollLoop } from "../engine/resilience/poll_loop.ts";

Deno.test("idle waits double from pollMs up to maxIdleMs", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => idleWait(1_000, 10_000, n)),
    [1_000, 2_000, 4_000, 8_000, 10_000, 10_000],
  );
  assert.equal(idleWait(50, 50, 9), 50);
});

/** A loop whose rounds can be awaited one by one. */
function counted(work: (round: number) => boolean, pollMs: number, maxIdleMs?: number) {
  let rounds = 0;
  let waiters: { n: number; resolve: () => void }[] = [];
  const loop = new PollLoop(
    () => {
      rounds++;
      const more = work(rounds);
      waiters = waiters.filter((w) => w.n <= rounds ? (w.resolve(), false) : true);
      return Promise.resolve(more);
    },
    pollMs,
    (err) => {
      throw err;
    },
    { maxIdleMs },
  );
  return {
    loop,
    get rounds() {
      return rounds;
    },
    round: (n: number) =>
      n <= rounds
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ n, resolve })),
  };
}

Deno.test("an idle loop backs off, and a nudge wakes it and starts over", async () => {
  const c = counted(() => false, 1, 8);
  await c.round(6);
  // five idle waits so far (1, 2, 4, 8, 8: capped); the next is 8 again
  assert.equal(c.loop.idleWaitMs, 8);
  await c.loop.close();

  const slow = counted(() => false, 60_000);
  await slow.round(1);
  await new Promise((r) => setTimeout(r, 0)); // the loop is asleep for a minute now
  assert.equal(slow.loop.idleWaitMs, 120_000, "the next idle wait doubles");
  slow.loop.nudge();
  await slow.round(2); // woken at once, not after the minute
  assert.equal(slow.loop.idleWaitMs, 60_000, "a nudge starts the waits over");
  await slow.loop.close();
});

Deno.test("work with more to do runs again at once and keeps the waits short", async () => {
  const c = counted((round) => round < 5, 60_000);
  await c.round(5);
  assert.equal(c.rounds, 5);
  assert.equal(c.loop.idleWaitMs, 60_000, "busy rounds never lengthen the wait");
  await c.loop.close();
});

/** Rejects if `p` has not settled within `ms` (a round that should come at once). */
function soon<T>(p: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

Deno.test("with wake-ups live an idle loop waits idleMs, not the backoff; nudges still wake it", async () => {
  // pollMs 1: on the backoff it would run rounds 1, 2, 4, 8, 16 ms apart
  const c = counted(() => false, 1, 8);
  c.loop.relyOnWakeups(60_000);
  await c.round(1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.rounds, 1, "asleep for the minute, where the backoff would have run 5+ rounds");
  c.loop.nudge();
  await soon(c.round(2), "a nudged round");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.rounds, 2, "asleep again after the nudged round found nothing");
  await c.loop.close();
});

Deno.test("with wake-ups live an idle loop wakes when the next work falls due", async () => {
  const dues: (number | null)[] = [0, null];
  let asked = 0;
  const c = counted(() => false, 1);
  c.loop.relyOnWakeups(60_000, () => Promise.resolve(dues[asked++] ?? null));
  await soon(c.round(2), "the round when a retry fell due"); // not after the minute
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.rounds, 2, "nothing more due: asleep for the minute");
  assert.equal(asked, 2);
  await c.loop.close();
});
