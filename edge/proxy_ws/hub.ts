/**
 * The /proxy-ws clients of one edge, grouped by room: one transport subscription to
 * `cohost.out.{roomId}` per room with clients here, each co-host event translated once and
 * sent to every client (every server message goes to every connected client; only the
 * `user-input-transcription` of an input skips the client that sent it, as in
 * Open-LLM-VTuber's proxy).
 */
import type { CoHostOut } from "../../actors/cohost/cohost_actor.ts";
import { cohostOutSubject } from "../../actors/cohost/address.ts";
import type { Logger } from "../../engine/log.ts";
import type { Subscription, Transport } from "../../engine/transport.ts";
import { type OlvMessage, OlvTranslator } from "./olv_protocol.ts";

export interface ProxyClient {
  /** `{edgeId}/{clientId}`: echoed by the co-host in the input it takes. */
  ref: string;
  /** One message, already encoded (a message for many clients is encoded once). */
  sendText(text: string): void;
}

const decoder = new TextDecoder();

class RoomHub {
  readonly clients = new Map<string, ProxyClient>();
  readonly #sub: Subscription;
  readonly #translator: OlvTranslator;

  constructor(
    readonly roomId: string,
    transport: Transport,
    name: string,
    private readonly log: Logger,
  ) {
    this.#translator = new OlvTranslator(name);
    this.#sub = transport.subscribe(cohostOutSubject(roomId), (m) => this.#onMessage(m.data));
  }

  rename(name: string): void {
    this.#translator.rename(name);
  }

  #onMessage(data: Uint8Array): void {
    let out: CoHostOut;
    try {
      out = JSON.parse(decoder.decode(data));
    } catch {
      this.log.warn("unparsable co-host events", { room: this.roomId });
      return;
    }
    for (const e of out.events ?? []) {
      for (const o of this.#translator.translate(e)) {
        const text = JSON.stringify(o.message);
        for (const c of this.clients.values()) {
          if (o.to === "others" && c.ref === o.except) continue;
          try {
            c.sendText(text);
          } catch (err) {
            this.log.warn("proxy-ws send failed", { room: this.roomId, err, bytes: text.length });
          }
        }
      }
    }
  }

  close(): void {
    this.#sub.unsubscribe();
  }
}

export class ProxyHubs {
  readonly #rooms = new Map<string, RoomHub>();

  constructor(private readonly transport: Transport, private readonly log: Logger) {}

  /** Adds a client to its room's hub; returns the function that removes it. */
  join(roomId: string, client: ProxyClient, name: string): () => void {
    let hub = this.#rooms.get(roomId);
    if (!hub) {
      hub = new RoomHub(roomId, this.transport, name, this.log);
      this.#rooms.set(roomId, hub);
    } else hub.rename(name);
    hub.clients.set(client.ref, client);
    return () => {
      const h = this.#rooms.get(roomId);
      if (!h || !h.clients.delete(client.ref)) return;
      if (h.clients.size === 0) {
        h.close();
        this.#rooms.delete(roomId);
      }
    };
  }

  /** Sends a message to every local client of a room (e.g. an error everyone should see). */
  broadcast(roomId: string, message: OlvMessage): void {
    const text = JSON.stringify(message);
    for (const c of this.#rooms.get(roomId)?.clients.values() ?? []) c.sendText(text);
  }

  clients(roomId: string): number {
    return this.#rooms.get(roomId)?.clients.size ?? 0;
  }

  close(): void {
    for (const h of this.#rooms.values()) h.close();
    this.#rooms.clear();
  }
}
