/**
 * The links of one room (actor id = room id): which outside rooms are bridged into it. Linking
 * validates the request, seals its secret (or refuses it when no key is configured), stores
 * the link and starts its bridge actor; unlinking stops the bridge and forgets the link. On
 * activation it makes sure every stored link's bridge runs (`start` is idempotent).
 */
import { Actor, type ActorContext, ActorError, type ActorType } from "../../engine/actor.ts";
import type { BridgeHealth } from "./bridge_actor.ts";
import { BRIDGE_ACTOR_TYPE } from "./address.ts";
import {
  type BridgeLink,
  linkLabel,
  LinkRequest,
  newLinkId,
  type PublicLink,
  publicLink,
  withoutSecret,
} from "./link.ts";
import type { SecretBox } from "./secret_box.ts";

import { LINKS_ACTOR_TYPE } from "./address.ts";

export type LinksMsg =
  | { kind: "list" }
  | { kind: "link"; request: unknown }
  | { kind: "unlink"; linkId: string };

/** The reply to each message. */
export interface LinksReplies {
  list: { links: PublicLink[] };
  link: { link: PublicLink; health: BridgeHealth };
  unlink: { unlinked: string };
}

export interface LinksState {
  links: BridgeLink[];
}

export interface LinksActorOptions {
  secrets: SecretBox | null;
  maxLinks: number;
}

class LinksActor extends Actor<LinksState, LinksMsg, unknown> {
  constructor(ctx: ActorContext, state: LinksState, private readonly o: LinksActorOptions) {
    super(ctx, state);
  }

  override onActivate(): void {
    for (const link of this.state.links) {
      this.ctx.tell(BRIDGE_ACTOR_TYPE, link.id, { kind: "start", link });
    }
  }

  async receive(msg: LinksMsg): Promise<unknown> {
    switch (msg.kind) {
      case "list":
        return { links: this.state.links.map(publicLink) } satisfies LinksReplies["list"];
      case "link":
        return await this.#link(msg.request);
      case "unlink": {
        const link = this.state.links.find((l) => l.id === msg.linkId);
        if (!link) throw new ActorError("link_not_found", `no link ${msg.linkId}`);
        this.state.links = this.state.links.filter((l) => l !== link);
        await this.ctx.persist();
        await this.ctx.ask(BRIDGE_ACTOR_TYPE, link.id, { kind: "stop" });
        return { unlinked: link.id } satisfies LinksReplies["unlink"];
      }
      default:
        throw new ActorError("bad_command", "unknown links command");
    }
  }

  async #link(raw: unknown): Promise<LinksReplies["link"]> {
    const parsed = LinkRequest.safeParse(raw);
    if (!parsed.success) {
      throw new ActorError(
        "bad_link",
        parsed.error.issues.map((i) => `${i.path.join(".") || "link"}: ${i.message}`).join("; "),
      );
    }
    if (this.state.links.length >= this.o.maxLinks) {
      throw new ActorError("too_many_links", `at most ${this.o.maxLinks} links per room`);
    }
    const { stored, secret } = withoutSecret(parsed.data);
    const label = linkLabel(stored);
    if (this.state.links.some((l) => l.label === label)) {
      throw new ActorError("already_linked", `${label} is already linked`);
    }
    let sealedSecret: string | undefined;
    if (secret !== undefined) {
      if (!this.o.secrets) {
        throw new ActorError(
          "secret_storage_off",
          "this server stores no login cookies or tokens (BRIDGE_SECRET_KEY is not set)",
        );
      }
      sealedSecret = await this.o.secrets.seal(secret);
    }
    const link: BridgeLink = {
      id: newLinkId(),
      roomId: this.ctx.id,
      platform: stored.platform === "relay" ? stored.name : stored.platform,
      label,
      request: stored,
      sealedSecret,
      createdAt: this.ctx.now(),
    };
    this.state.links.push(link);
    await this.ctx.persist();
    const health = await this.ctx.ask<BridgeHealth>(BRIDGE_ACTOR_TYPE, link.id, {
      kind: "start",
      link,
    });
    return { link: publicLink(link), health } satisfies LinksReplies["link"];
  }
}

export function linksActorType(o: LinksActorOptions): ActorType<LinksState, LinksMsg, unknown> {
  return {
    type: LINKS_ACTOR_TYPE,
    initialState: () => ({ links: [] }),
    create: (ctx, state) => new LinksActor(ctx, state, o),
  };
}
