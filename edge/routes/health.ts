/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: every probe ok). */
import { Hono } from "hono";
import type { EdgeDeps } from "../deps.ts";
import { declared } from "../openapi/area.ts";
import { healthApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

const PROBE_TIMEOUT_MS = 2_000;

export function healthRoutes(deps: Pick<EdgeDeps, "readiness" | "gateway" | "edgeId">): Hono {
  const app = new Hono();
  mount(app, declared(healthApi, "get", "/healthz"), (c) => c.json({ status: "ok" }));
  mount(app, declared(healthApi, "get", "/readyz"), async (c) => {
    const results = await Promise.all(
      deps.readiness.map(async (p) => [p.name, await run(p.check)]),
    );
    const checks = Object.fromEntries(results) as Record<string, boolean>;
    const ready = Object.values(checks).every(Boolean);
    return c.json(
      {
        status: ready ? "ready" : "not_ready",
        edgeId: deps.edgeId,
        checks,
        ...deps.gateway.stats(),
      },
      ready ? 200 : 503,
    );
  });
  return app;
}

async function run(check: () => Promise<boolean>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((r) => timer = setTimeout(() => r(false), PROBE_TIMEOUT_MS));
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
