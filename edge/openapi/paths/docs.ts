/** Declarations of edge/routes/docs.ts: the API's own descriptions. */
import { area } from "../area.ts";
import { errors, json, text } from "../schemas.ts";

export const docsApi = area("docs", "This document, its docs page and the socket's schemas", "/", [
  {
    method: "get",
    path: "/api/openapi.json",
    summary: "This OpenAPI 3.1 document",
    responses: (replies) => ({ 200: json(replies.OpenApiDocumentSchema, "the document") }),
  },
  {
    method: "get",
    path: "/api/protocol.schema.json",
    summary: "JSON Schemas (2020-12) of the room WebSocket's client and server frames",
    responses: (replies) => ({ 200: json(replies.ProtocolSchemaDocument, "the schemas") }),
  },
  {
    method: "get",
    path: "/docs",
    summary: "Interactive API reference (Scalar, served from node_modules)",
    responses: () => ({ 200: text("text/html", "page") }),
  },
  {
    method: "get",
    path: "/docs/scalar.js",
    summary: "The docs page's script (Scalar's standalone bundle)",
    responses: () => ({
      200: text("text/javascript", "script"),
      ...errors({ 503: ["asset_missing"] }),
    }),
  },
]);
