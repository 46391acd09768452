/** The one typed way to talk to PK coordinators (the edge's PK routes use it). */
import { ActorError } from "../../engine/actor.ts";
import type { ActorAsker } from "../room/client.ts";
import type { Actor } from "../room/contract.ts";
import { PK_ACTOR_TYPE, type PkCommandInput, type PkView } from "./contract.ts";

/** Engine codes meaning "nobody could take the request right now" (or it failed inside). */
const UNAVAILABLE = new Set([
  "internal",
  "unavailable",
  "no_responders",
  "request_timeout",
  "timeout",
  "system_closed",
  "stale_activation",
]);

/** A new battle id. */
export function newPkId(): string {
  return `pk_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
}

export class PkClient {
  constructor(private readonly actors: ActorAsker) {}

  invite(actor: Actor, from: string, to: string, durationSec?: number): Promise<PkView> {
    return this.#ask(newPkId(), { kind: "invite", actor, from, to, durationSec });
  }

  accept(pkId: string, actor: Actor): Promise<PkView> {
    return this.#ask(pkId, { kind: "accept", actor });
  }

  decline(pkId: string, actor: Actor): Promise<PkView> {
    return this.#ask(pkId, { kind: "decline", actor });
  }

  end(pkId: string, actor: Actor): Promise<PkView> {
    return this.#ask(pkId, { kind: "end", actor });
  }

  state(pkId: string): Promise<PkView> {
    return this.#ask(pkId, { kind: "state" });
  }

  async #ask(pkId: string, cmd: PkCommandInput): Promise<PkView> {
    try {
      return await this.actors.ask<PkView>(PK_ACTOR_TYPE, pkId, cmd);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === "string" && !UNAVAILABLE.has(code)) throw err;
      throw new ActorError("pk_unavailable", "the PK coordinator did not answer; retry");
    }
  }
}
