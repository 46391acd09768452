/** Declarations of edge/routes/webhooks.ts: outbound webhook endpoints, deliveries, redelivery. */
import { WEBHOOK_EVENT_TYPES } from "../../../actors/webhooks/events.ts";
import { area } from "../area.ts";
import { BEARER, errors, json, jsonBody, pathParams, z } from "../schemas.ts";

const HOOK_ERRORS = errors({
  400: ["invalid_request", "url_unresolvable"],
  401: ["token_missing", "token_expired", "token_bad_signature", "session_revoked"],
  403: ["forbidden", "url_forbidden"],
  404: ["unknown_endpoint", "unknown_delivery"],
  409: ["too_many_endpoints"],
});

const EventType = z.enum(WEBHOOK_EVENT_TYPES);
const Url = z.string().trim().max(2000).refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
  } catch {
    return false;
  }
}, "an http(s) URL without credentials");
const Description = z.string().trim().max(200).regex(/^[^\p{Cc}]*$/u, "no control characters");
const CreateInput = z.object({
  url: Url,
  description: Description.default(""),
  eventTypes: z.array(EventType).max(WEBHOOK_EVENT_TYPES.length).default([]),
  scope: z.enum(["mine", "platform"]).default("mine"),
}).strict();
const UpdateInput = z.object({
  url: Url.optional(),
  description: Description.optional(),
  eventTypes: z.array(EventType).max(WEBHOOK_EVENT_TYPES.length).optional(),
  enabled: z.boolean().optional(),
}).strict();
const Endpoint = z.object({
  id: z.string(),
  ownerId: z.string().nullable().openapi({ description: "null: a platform endpoint" }),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(EventType).openapi({ description: "empty: every type" }),
  enabled: z.boolean(),
  createdAt: z.string(),
}).openapi("WebhookEndpoint");
const WithSecret = Endpoint.extend({
  secret: z.string().openapi({ description: "`whsec_` + base64: the HMAC key" }),
}).openapi("WebhookEndpointWithSecret");
const Attempt = z.object({
  attempt: z.number().int(),
  at: z.string(),
  status: z.number().int().nullable().openapi({ description: "HTTP status; null: no answer" }),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  manual: z.boolean(),
});
const Delivery = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string().openapi({ description: "the `webhook-id` header: de-duplicate on it" }),
  eventType: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
}).openapi("WebhookDelivery");

const EP = {
  id: "we_3f9a0c1d2e4b5a6c7d8e",
  ownerId: "u_1",
  url: "https://hooks.example.com/synapse",
  description: "shop",
  eventTypes: ["gift.received" as const],
  enabled: true,
  createdAt: "2026-12-04T22:00:00.000Z",
};
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const Id = pathParams("id");
const Scope = z.object({ scope: z.enum(["mine", "platform"]).default("mine") });

export const webhooksApi = area(
  "webhooks",
  "Outbound webhooks: endpoints, signing secrets, the delivery log, redelivery",
  "/api",
  [
    {
      method: "get",
      path: "/webhooks/event-types",
      summary: "The event types an endpoint can subscribe to",
      responses: () => ({
        200: json(z.object({ eventTypes: z.array(EventType) }), "types", {
          eventTypes: [...WEBHOOK_EVENT_TYPES],
        }),
      }),
    },
    {
      method: "get",
      path: "/webhooks/endpoints",
      summary: "My endpoints (`scope=platform`: the platform's, admins)",
      security: BEARER,
      request: { query: Scope },
      responses: () => ({
        200: json(z.object({ endpoints: z.array(Endpoint) }), "endpoints", { endpoints: [EP] }),
        ...HOOK_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/webhooks/endpoints",
      summary: "Register an endpoint (public http(s) URL); the answer carries its secret",
      security: BEARER,
      request: jsonBody(CreateInput, {
        url: "https://hooks.example.com/synapse",
        eventTypes: ["gift.received"],
        description: "shop",
      }),
      responses: () => ({
        201: json(z.object({ endpoint: WithSecret }), "created", {
          endpoint: { ...EP, secret: SECRET },
        }),
        ...HOOK_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/webhooks/endpoints/{id}",
      summary: "One endpoint with its secret",
      security: BEARER,
      request: { params: Id },
      responses: () => ({
        200: json(z.object({ endpoint: WithSecret }), "the endpoint"),
        ...HOOK_ERRORS,
      }),
    },
    {
      method: "patch",
      path: "/webhooks/endpoints/{id}",
      summary: "Change an endpoint's URL, description, event types, or turn it off",
      security: BEARER,
      request: { params: Id, ...jsonBody(UpdateInput, { enabled: false }) },
      responses: () => ({ 200: json(z.object({ endpoint: Endpoint }), "changed"), ...HOOK_ERRORS }),
    },
    {
      method: "delete",
      path: "/webhooks/endpoints/{id}",
      summary: "Remove an endpoint and its log",
      security: BEARER,
      request: { params: Id },
      responses: () => ({
        200: json(z.object({ deleted: z.literal(true) }), "removed", { deleted: true }),
        ...HOOK_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/webhooks/endpoints/{id}/rotate-secret",
      summary: "A new signing secret (the old one stops signing at once)",
      security: BEARER,
      request: { params: Id },
      responses: () => ({
        200: json(z.object({ endpoint: WithSecret }), "new secret"),
        ...HOOK_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/webhooks/endpoints/{id}/test",
      summary: "Send a `webhook.test` event to this endpoint",
      security: BEARER,
      request: { params: Id },
      responses: () => ({
        202: json(z.object({ eventId: z.string() }), "queued", {
          eventId: "evt_0a1b2c3d4e5f60718293a4b5c6",
        }),
        ...HOOK_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/webhooks/endpoints/{id}/deliveries",
      summary: "The delivery log, newest first, each with its attempts",
      security: BEARER,
      request: {
        params: Id,
        query: z.object({
          status: z.enum(["pending", "delivered", "failed"]).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.string().regex(/^\d{1,18}$/).optional().openapi({
            description: "a page's `next`",
          }),
        }),
      },
      responses: () => ({
        200: json(
          z.object({
            deliveries: z.array(Delivery.extend({ attemptLog: z.array(Attempt) })),
            next: z.string().nullable(),
          }),
          "deliveries",
        ),
        ...HOOK_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/webhooks/deliveries/{id}/redeliver",
      summary: "Send a delivery again now (same event id)",
      security: BEARER,
      request: { params: Id },
      responses: () => ({ 202: json(z.object({ delivery: Delivery }), "queued"), ...HOOK_ERRORS }),
    },
  ],
);
