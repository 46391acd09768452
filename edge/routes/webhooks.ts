/**
 * Outbound webhooks under /api/webhooks: endpoints (a streamer's for the rooms they own, the
 * platform's for every room: admins), their signing secret, a test event, the delivery log
 * with every attempt, and manual redelivery. Endpoint URLs follow the external-URL
 * recorder's SSRF rules (public addresses only), checked here and again at every attempt.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Identity } from "../auth/identity.ts";
import { guarded } from "../http_errors.ts";
import type { Logger } from "../../engine/log.ts";
import { requireUserIdentity } from "../accounts/http.ts";
import type { AccountsIdentityResolver } from "../accounts/identity_resolver.ts";
import { AccountError } from "../accounts/errors.ts";
import {
  type EndpointWithSecret,
  WebhookError,
  type WebhookStore,
} from "../../actors/webhooks/store.ts";
import { eventId, WEBHOOK_EVENT_TYPES } from "../../actors/webhooks/events.ts";
import { declared } from "../openapi/area.ts";
import { webhooksApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";
import { MediaError } from "../../media/errors.ts";
import {
  assertPublicHost,
  type HostLookup,
  isPublicAddress,
  systemLookup,
} from "../../media/recorder/public_address.ts";

export interface WebhookRouteDeps {
  store: WebhookStore;
  resolver: AccountsIdentityResolver;
  /** Which resolved addresses endpoints may use (default: public ones only). */
  allowAddress?: (address: string) => boolean;
  lookup?: HostLookup;
  /** A test event was queued: deliver soon. */
  nudge?: () => void;
  log: Logger;
}

const isAdmin = (who: Identity) => who.roles.includes("admin");

/**
 * Streamers (a user who owns a room: the role may still be cached without it) register their
 * own endpoints; admins the platform's.
 */
async function ownerFor(
  store: WebhookStore,
  who: Identity,
  scope: "mine" | "platform",
): Promise<string | null> {
  if (scope === "platform") {
    if (!isAdmin(who)) throw new AccountError("forbidden", "platform endpoints are for admins");
    return null;
  }
  if (!who.roles.includes("streamer") && !isAdmin(who) && !await store.ownsRoom(who.userId)) {
    throw new AccountError("forbidden", "webhooks are for streamers (create a room first)");
  }
  return who.userId;
}

/** The endpoint, if `who` may manage it (its owner; admins any). */
function mayManage(who: Identity, e: EndpointWithSecret): boolean {
  return isAdmin(who) || (e.ownerId !== null && e.ownerId === who.userId);
}

export function webhookRoutes(deps: WebhookRouteDeps): Hono {
  const app = new Hono();
  const { store, resolver } = deps;
  const guard = guarded(deps.log);
  const allow = deps.allowAddress ?? isPublicAddress;
  const lookup = deps.lookup ?? systemLookup;

  const checkUrl = async (url: string) => {
    try {
      await assertPublicHost(new URL(url), lookup, allow);
    } catch (err) {
      if (err instanceof MediaError && err.code === "url_forbidden") {
        throw new MediaError("url_forbidden", "webhook URLs on private networks are refused", 403);
      }
      throw err;
    }
  };
  const endpointFor = async (c: Context, id: string) => {
    const who = await requireUserIdentity(c, resolver);
    const endpoint = await store.endpoint(id);
    if (!endpoint || !mayManage(who, endpoint)) {
      throw new WebhookError("unknown_endpoint", "no such endpoint");
    }
    return endpoint;
  };
  const publicView = ({ secret: _secret, ...e }: EndpointWithSecret) => e;

  mount(
    app,
    declared(webhooksApi, "get", "/webhooks/event-types"),
    (c) => c.json({ eventTypes: WEBHOOK_EVENT_TYPES }),
  );

  mount(
    app,
    declared(webhooksApi, "get", "/webhooks/endpoints"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const q = input.query();
      return c.json({ endpoints: await store.endpoints(await ownerFor(store, who, q.scope)) });
    }),
  );
  mount(
    app,
    declared(webhooksApi, "post", "/webhooks/endpoints"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const body = await input.json();
      const ownerId = await ownerFor(store, who, body.scope);
      await checkUrl(body.url);
      const endpoint = await store.createEndpoint({
        ownerId,
        url: body.url,
        description: body.description,
        eventTypes: body.eventTypes,
      });
      return c.json({ endpoint }, 201);
    }),
  );
  mount(
    app,
    declared(webhooksApi, "get", "/webhooks/endpoints/{id}"),
    guard(async (c, input) => c.json({ endpoint: await endpointFor(c, input.param().id) })),
  );
  mount(
    app,
    declared(webhooksApi, "patch", "/webhooks/endpoints/{id}"),
    guard(async (c, input) => {
      const endpoint = await endpointFor(c, input.param().id);
      const patch = await input.json();
      if (patch.url) await checkUrl(patch.url);
      return c.json({ endpoint: await store.updateEndpoint(endpoint.id, patch) });
    }),
  );
  mount(
    app,
    declared(webhooksApi, "delete", "/webhooks/endpoints/{id}"),
    guard(async (c, input) => {
      const endpoint = await endpointFor(c, input.param().id);
      await store.deleteEndpoint(endpoint.id);
      return c.json({ deleted: true });
    }),
  );
  mount(
    app,
    declared(webhooksApi, "post", "/webhooks/endpoints/{id}/rotate-secret"),
    guard(async (c, input) => {
      const endpoint = await endpointFor(c, input.param().id);
      const secret = await store.rotateSecret(endpoint.id);
      return c.json({ endpoint: { ...publicView(endpoint), secret } });
    }),
  );
  mount(
    app,
    declared(webhooksApi, "post", "/webhooks/endpoints/{id}/test"),
    guard(async (c, input) => {
      const endpoint = await endpointFor(c, input.param().id);
      const at = Date.now();
      const key = `${endpoint.id}/${crypto.randomUUID()}`;
      const id = await eventId("webhook.test", key);
      await store.insertEvents([{
        id,
        event: { type: "webhook.test", key, at, data: { endpointId: endpoint.id } },
      }], endpoint.id);
      deps.nudge?.();
      return c.json({ eventId: id }, 202);
    }),
  );
  mount(
    app,
    declared(webhooksApi, "get", "/webhooks/endpoints/{id}/deliveries"),
    guard(async (c, input) => {
      const endpoint = await endpointFor(c, input.param().id);
      const q = input.query();
      const before = q.before === undefined ? undefined : BigInt(q.before);
      const deliveries = await store.deliveries(endpoint.id, { ...q, before });
      const next = deliveries.length === q.limit ? deliveries[deliveries.length - 1].id : null;
      return c.json({ deliveries, next });
    }),
  );
  mount(
    app,
    declared(webhooksApi, "post", "/webhooks/deliveries/{id}/redeliver"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const delivery = await store.delivery(input.param().id);
      const endpoint = delivery && await store.endpoint(delivery.endpointId);
      if (!delivery || !endpoint || !mayManage(who, endpoint)) {
        throw new WebhookError("unknown_delivery", "no such delivery");
      }
      await store.redeliver(delivery.id);
      deps.nudge?.();
      return c.json({ delivery: await store.delivery(delivery.id) }, 202);
    }),
  );
  return app;
}
