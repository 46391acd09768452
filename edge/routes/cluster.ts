/**
 * HTTP of the cluster layer. `clusterRoutes`, mounted by the edge app with one line:
 * `GET /metrics` (Prometheus text exposition of this process), `GET /api/cluster` (admin:
 * instances, partitions per instance, actors per partition) and `GET /cluster.html` (a
 * redirect to the operator pages' Cluster tab, `/ops#cluster`); in embedded mode the view is this single process. `serveEngineHttp`
 * is the engine role's only HTTP surface (`/metrics`, `/healthz`, `/readyz`).
 */
import { Hono } from "hono";
import type { ClusterView } from "../../engine/cluster_view.ts";
import type { Logger } from "../../engine/log.ts";
import { metrics, PROMETHEUS_CONTENT_TYPE } from "../../engine/metrics.ts";
import { declared } from "../openapi/area.ts";
import { healthApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

export interface ClusterRoutesOptions {
  /** The cluster view (cluster mode) or this process's view (embedded). */
  view(): Promise<ClusterView>;
  /** Roles of the bearer of `token`; rejects when the token is invalid. */
  rolesOf(token: string): Promise<string[]>;
}

function error(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export function clusterRoutes(opts: ClusterRoutesOptions): Promise<Hono> {
  const app = new Hono();
  mount(
    app,
    declared(healthApi, "get", "/metrics"),
    () => new Response(metrics.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } }),
  );
  // The older page is now the operator pages' Cluster tab (a page, not REST).
  app.get("/cluster.html", (c) => c.redirect("/ops#cluster", 301)); // by hand: a page
  mount(app, declared(healthApi, "get", "/api/cluster"), async (c) => {
    const auth = c.req.header("authorization") ?? "";
    const token = auth.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) return error(401, "unauthenticated", "send Authorization: Bearer <session token>");
    let roles: string[];
    try {
      roles = await opts.rolesOf(token);
    } catch {
      return error(401, "unauthenticated", "invalid or expired session token");
    }
    if (!roles.includes("admin")) return error(403, "forbidden", "the cluster view is for admins");
    return c.json(await opts.view());
  });
  return Promise.resolve(app);
}

/** `/metrics`, `/healthz`, `/readyz` for the engine role (no other HTTP). */
export function serveEngineHttp(
  opts: { port: number; hostname: string; ready: () => boolean; log: Logger },
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ port: opts.port, hostname: opts.hostname, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (req.method !== "GET") return new Response("method not allowed", { status: 405 });
    if (path === "/metrics") {
      return new Response(metrics.render(), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
      });
    }
    if (path === "/healthz") return Response.json({ status: "ok" });
    if (path === "/readyz") {
      const ready = opts.ready();
      return Response.json({ status: ready ? "ready" : "not_ready" }, {
        status: ready ? 200 : 503,
      });
    }
    return Response.json({ error: { code: "not_found", message: `no route for ${path}` } }, {
      status: 404,
    });
  });
}
