/**
 * `--demo`: simulated viewers chatting in room `lobby`, so a newcomer opening the page sees
 * something alive. Bots talk through the same room commands as real viewers (rate limits
 * and all) and report themselves as viewers of a pseudo-edge. Every ~35 s a crowd bursts
 * into 666 / 哈哈哈 / ？？？ so the highlight detector has something to find.
 */
import type { Actor as RoomIdentity } from "../actors/room/contract.ts";
import type { Logger } from "../engine/log.ts";
import type { RoomClient } from "../actors/room/client.ts";

export const DEMO_ROOM = "lobby";
const DEMO_EDGE = "demo-bots";

const TALKERS = ["小明", "Alice", "kuro", "Bob", "纸飞机", "Mika"];
const LINES = [
  "hello everyone!",
  "大家好",
  "first time here",
  "this stream is so chill",
  "what game is this?",
  "主播加油",
  "lol",
  "good evening from Berlin",
  "前方高能",
  "the music is great",
  "gg",
  "can you do that again?",
  "好耶",
  "wow",
];
const BURSTS = [
  ["666", "6666", "666666", "6666666"],
  ["哈哈哈", "哈哈哈哈", "哈哈哈哈哈", "哈哈哈哈哈哈"],
  ["？？？", "？？？？", "???", "？？"],
];

function bot(i: number, name: string): RoomIdentity {
  return { userId: `demo_bot_${i}`, name, kind: "guest", roles: [] };
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

export interface DemoOptions {
  /** Seconds between bursts (default 35). */
  burstEverySec?: number;
}

export function startDemo(
  rooms: RoomClient,
  log: Logger,
  opts: DemoOptions = {},
): { stop(): Promise<void> } {
  const talkers = TALKERS.map((n, i) => bot(i, n));
  const crowd = Array.from({ length: 24 }, (_, i) => bot(100 + i, `viewer${100 + i}`));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };
  const say = (who: RoomIdentity, text: string) =>
    rooms.say(DEMO_ROOM, who, text).catch((err) =>
      log.debug("demo bot refused", { who: who.userId, code: err?.code })
    );
  const presence = () =>
    rooms.presence(DEMO_ROOM, DEMO_EDGE, talkers.length + crowd.length).catch(() => {});

  const talk = (who: RoomIdentity) => {
    say(who, pick(LINES));
    later(1_500 + Math.random() * 5_000, () => talk(who));
  };
  const burst = () => {
    const phrases = pick(BURSTS);
    for (const who of crowd) {
      const times = 1 + Math.floor(Math.random() * 3);
      for (let k = 0; k < times; k++) {
        later(Math.random() * 4_000, () => say(who, pick(phrases)));
      }
    }
    later((opts.burstEverySec ?? 35) * 1000 * (0.75 + Math.random() / 2), burst);
  };
  const keepPresence = () => {
    presence();
    later(4_000, keepPresence);
  };

  keepPresence();
  talkers.forEach((who, i) => later(500 * i, () => talk(who)));
  // The room's highlight detector warms up for its first 30 s: burst right after that.
  later(32_000, burst);
  log.info("demo started", { room: DEMO_ROOM, bots: talkers.length + crowd.length });

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await rooms.presence(DEMO_ROOM, DEMO_EDGE, 0).catch(() => {});
    },
  };
}
