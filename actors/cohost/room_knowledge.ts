/**
 * The room's knowledge base as the co-host's local answerer reads it: the entries are fetched
 * from the room (its AI's `kb_list`, asked as the co-host's system identity) at most every
 * `refreshMs`, indexed here with the same BM25 retrieval and local answer the room's Q&A uses.
 */
import { localAnswer } from "../ai/qa/answer.ts";
import type { KbEntry } from "../ai/qa/kb.ts";
import { KnowledgeBase } from "../ai/qa/knowledge_base.ts";
import { type ActorAsker, RoomClient } from "../room/client.ts";
import type { Actor } from "../room/contract.ts";
import type { LocalKnowledge } from "./reply_model.ts";

/** Who the co-host acts as when it reads its room's knowledge base (server code, read only). */
export const COHOST_SYSTEM_ACTOR: Actor = {
  userId: "system-cohost",
  name: "co-host",
  kind: "user",
  roles: ["admin"],
};

export function roomKnowledge(
  actors: ActorAsker,
  roomId: string,
  opts: { refreshMs?: number; now?: () => number } = {},
): LocalKnowledge {
  const rooms = new RoomClient(actors);
  const now = opts.now ?? Date.now;
  let kb: KnowledgeBase | null = null;
  let loadedAt = 0;
  const load = async () => {
    const { entries } = await rooms.ai<{ entries: KbEntry[] }>(roomId, COHOST_SYSTEM_ACTOR, {
      op: "kb_list",
    });
    const fresh = new KnowledgeBase({ roomId });
    for (const e of entries) fresh.upsert({ title: e.title, body: e.body, tags: e.tags });
    kb = fresh;
    loadedAt = now();
  };
  return {
    async answer(question) {
      if (!kb || now() - loadedAt > (opts.refreshMs ?? 30_000)) await load();
      const hits = (await kb!.retrieve(question)).hits;
      return localAnswer(question, hits).text;
    },
  };
}
