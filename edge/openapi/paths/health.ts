/** Declarations of edge/routes/health.ts and edge/routes/cluster.ts (`/metrics`, `/api/cluster`). */
import { area } from "../area.ts";
import { BEARER, errors, json, text, z } from "../schemas.ts";

const Readiness = z.looseObject({
  status: z.enum(["ready", "not_ready"]),
  edgeId: z.string(),
  checks: z.record(z.string(), z.boolean()),
}).openapi("Readiness");

export const healthApi = area("health", "Liveness, readiness and metrics", "/", [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness: the process answers",
    responses: () => ({
      200: json(z.object({ status: z.literal("ok") }), "alive", { status: "ok" }),
    }),
  },
  {
    method: "get",
    path: "/readyz",
    summary: "Readiness: every probe of this process (database, NATS, engine...) answered",
    responses: () => ({
      200: json(Readiness, "ready", { status: "ready", edgeId: "edge-1", checks: { nats: true } }),
      503: json(Readiness, "a probe failed"),
    }),
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics of this process",
    responses: () => ({ 200: text("text/plain", "Prometheus text exposition format") }),
  },
  {
    method: "get",
    path: "/api/cluster",
    summary: "Cluster state: engines, partition owners, edges (platform admins)",
    security: BEARER,
    responses: (replies) => ({
      200: json(replies.ClusterViewSchema, "the cluster as this process sees it"),
      ...errors({ 401: ["unauthenticated"], 403: ["forbidden"] }),
    }),
  },
]);
