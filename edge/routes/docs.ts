/**
 * The API's descriptions: `GET /api/openapi.json` (OpenAPI 3.1 from the route declarations in
 * edge/openapi/), `GET /api/protocol.schema.json` (the room socket's frames as JSON Schemas),
 * and `GET /docs`, an interactive reference rendered by Scalar's standalone bundle from
 * node_modules (pinned in deno.json; no CDN, no web fonts, no telemetry).
 */
import { Hono } from "hono";
import { declared } from "../openapi/area.ts";
import { docsApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

const SCALAR = new URL(
  "../../node_modules/@scalar/api-reference/dist/browser/standalone.js",
  import.meta.url,
);

/** Scalar's configuration: everything it would fetch from elsewhere is switched off. */
const SCALAR_CONFIG = {
  url: "/api/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  hideClientButton: true,
  showDeveloperTools: "never",
  agent: { disabled: true },
  mcp: { disabled: true },
  documentDownloadType: "json",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Synapse Live API</title>
</head>
<body>
<div id="app"></div>
<script src="/docs/scalar.js"></script>
<script>
Scalar.createApiReference("#app", ${JSON.stringify(SCALAR_CONFIG)});
</script>
</body>
</html>
`;

export function docsRoutes(): Hono {
  const app = new Hono();
  let script: Uint8Array<ArrayBuffer> | undefined;
  // The document's module (the generator and every area's answer schemas) and the socket's
  // schemas load on the first request for them, not with the edge: most edges never serve them.
  mount(
    app,
    declared(docsApi, "get", "/api/openapi.json"),
    async (c) => c.json((await import("../openapi/document.ts")).openApiDocument()),
  );
  mount(
    app,
    declared(docsApi, "get", "/api/protocol.schema.json"),
    async (c) => c.json((await import("../protocol_schema.ts")).protocolJsonSchema()),
  );
  mount(app, declared(docsApi, "get", "/docs"), (c) => c.html(PAGE));
  mount(app, declared(docsApi, "get", "/docs/scalar.js"), async (c) => {
    try {
      script ??= await Deno.readFile(SCALAR);
    } catch {
      return c.json({
        error: {
          code: "asset_missing",
          message: "Scalar is not installed here: run `deno install` (node_modules)",
        },
      }, 503);
    }
    return new Response(script, {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=86400",
      },
    });
  });
  return app;
}
