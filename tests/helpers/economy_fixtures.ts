/** Users, rooms and funded wallets for economy tests, made through the real modules. */
import { DevPaymentProvider } from "../../actors/economy/payment_provider.ts";
import { topUp } from "../../actors/economy/wallets.ts";
import type { SqlStore } from "../../actors/store/sql.ts";
import { createRoom } from "../../edge/accounts/rooms.ts";
import { createUser } from "../../edge/accounts/users.ts";

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
