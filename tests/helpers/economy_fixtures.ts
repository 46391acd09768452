/** Users, rooms and funded wallets for economy tests, made through the real modules. */
import { DevPaymentProvider } from "../../actors/economy/payment_provider.ts";
import { topUp } from "../../actors/economy/wallets.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import { createRoom } from "../../edge/accounts/rooms.ts";
import { createUser } from "../../edge/accounts/users.ts";
import { TestViewer } from "./edge_client.ts";
import { callJson } from "./http.ts";

export const devProvider = new DevPaymentProvider();

let counter = 0;
const uniq = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function makeUser(store: SqlStore, prefix = "u"): Promise<string> {
  const user = await createUser(store, { username: `${prefix}_${uniq()}`.slice(0, 24) });
  return user.id;
}

export async function makeStreamerWithRoom(
  store: SqlStore,
): Promise<{ streamerId: string; roomId: string }> {
  const streamerId = await makeUser(store, "s");
  const room = await createRoom(store, streamerId, {
    title: "Test room",
    category: "just-chatting",
    coverUrl: null,
    guestChat: true,
  });
  return { streamerId, roomId: room.id };
}

export async function fund(store: SqlStore, userId: string, amount: bigint): Promise<void> {
  await topUp(store, devProvider, { userId, amount, idempotencyKey: `fund-${uniq()}` });
}

export const newKey = () => `k-${crypto.randomUUID()}`;

/**
 * Earnings made the way viewers make them, through a started server: the host creates
 * `roomId`, the fan tops up `topup` and sends one rocket over the room socket (1000 gross,
 * 700 earned after the 30 % commission). Idempotency keys are `<keyPrefix>-topup` and
 * `<keyPrefix>-gift-1`. Returns the fan's socket, still open: the caller closes it.
 */
export async function giftRocket(
  srv: { url: string; wsUrl(roomId: string): string },
  opts: {
    hostToken: string;
    fanToken: string;
    roomId: string;
    title: string;
    topup: string;
    keyPrefix: string;
  },
): Promise<TestViewer> {
  const api = (path: string, json: unknown, token: string) =>
    callJson(srv.url, `/api${path}`, { json, token });
  const room = await api("/rooms", { id: opts.roomId, title: opts.title }, opts.hostToken);
  if (room.status !== 201) throw new Error(`create ${opts.roomId}: ${JSON.stringify(room.body)}`);
  const topup = await api(
    "/wallet/topup",
    { amount: opts.topup, idempotencyKey: `${opts.keyPrefix}-topup` },
    opts.fanToken,
  );
  if (topup.status !== 201) throw new Error(`top-up: ${JSON.stringify(topup.body)}`);
  const { viewer } = await TestViewer.join(srv.wsUrl(opts.roomId), opts.roomId, opts.fanToken);
  try {
    viewer.send({
      type: "gift",
      giftId: "rocket",
      count: 1,
      idempotencyKey: `${opts.keyPrefix}-gift-1`,
      clientId: "g",
    });
    const ok = await viewer.next((f) => f.clientId === "g", 15_000);
    if (ok.type !== "gift_ok") throw new Error(`gift: ${JSON.stringify(ok)}`);
    return viewer;
  } catch (err) {
    await viewer.close();
    throw err;
  }
}
