/**
 * HTTP routes of the cluster layer, mounted by the edge app with one line:
 * `GET /metrics` (Prometheus text exposition of this process), `GET /api/cluster` (admin:
 * instances, partitions per instance, actors per partition) and `GET /cluster.html` (the
 * page that shows it). In embedded mode the view is this single process.
 */
import { Hono } from "hono";
import type { ClusterView } from "./cluster.ts";
import { metrics, PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";

export interface ClusterRoutesOptions {
  /** The cluster view (cluster mode) or this process's view (embedded). */
  view(): Promise<ClusterView>;
  /** Roles of the bearer of `token`; rejects when the token is invalid. */
  rolesOf(token: string): Promise<string[]>;
}

const PAGE = new URL("../edge/web/cluster.html", import.meta.url);

function error(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export async function clusterRoutes(opts: ClusterRoutesOptions): Promise<Hono> {
  const page = await Deno.readFile(PAGE);
  const app = new Hono();
  app.get(
    "/metrics",
    () => new Response(metrics.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } }),
  );
  app.get("/cluster.html", () =>
    new Response(page, {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
    }));
  app.get("/api/cluster", async (c) => {
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
  return app;
}

/** The view of a single process that owns every partition (embedded mode). */
export function embeddedView(
  opts: {
    instanceId: string;
    partitions: number;
    actors: () => { type: string; id: string; partition: number }[];
  },
): ClusterView {
  const actors = opts.actors();
  const all = Array.from({ length: opts.partitions }, (_, p) => p);
  return {
    partitions: opts.partitions,
    instances: [{
      id: opts.instanceId,
      role: "all",
      hostname: Deno.hostname(),
      pid: Deno.pid,
      startedAt: 0,
      heartbeatAt: Date.now(),
      owned: all,
      actors: actors.length,
      reachable: true,
    }],
    partitionTable: all.map((p) => ({
      partition: p,
      owner: opts.instanceId,
      actors: actors.filter((a) => a.partition === p).map(({ type, id }) => ({ type, id })),
    })),
    unowned: [],
  };
}
