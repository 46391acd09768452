/**
 * Declarations of edge/routes/ai.ts (the room's AI), bridges.ts and cohost.ts (room managers),
 * and the two WebSocket upgrades (ws.ts, proxy_ws.ts: their frames are in
 * /api/protocol.schema.json and edge/PROTOCOL.md).
 */
import { KbEntryInput } from "../../../actors/ai/qa/kb.ts";
import { LinkRequest } from "../../../actors/bridges/link.ts";
import { Persona } from "../../../actors/cohost/persona.ts";
import { area } from "../area.ts";
import { BEARER, errors, json, jsonBody, RoomId, RoomIdParam, z } from "../schemas.ts";

const AI_ERRORS = errors({
  400: ["bad_room_id", "invalid_request", "kb_invalid"],
  401: ["auth_required", "auth_invalid", "auth_expired", "auth_revoked"],
  403: ["forbidden"],
  404: ["audit_not_found", "kb_not_found", "question_not_found"],
  409: ["nothing_to_interrupt", "kb_full"],
  500: ["internal"],
  503: ["room_unavailable", "ai_unavailable"],
});
/** Ids of knowledge-base entries and audit rows. */
const AiId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);
const EntryParams = RoomIdParam.extend({ entryId: AiId });
const KB_EXAMPLE = { title: "Schedule", body: "We stream every evening at eight." };

export const roomAiApi = area(
  "room AI",
  "The room's AI: panel, audit, knowledge base, Q&A",
  "/api",
  [
    {
      method: "get",
      path: "/rooms/{id}/ai",
      summary: "The AI panel: mood, hot topics, answers, Q&A (admins also get audit and KB)",
      description: "The token is optional here.",
      request: { params: RoomIdParam },
      responses: (replies) => ({
        200: json(replies.AiReplySchemas.state, "the AI panel (room admins also get `admin`)"),
        ...AI_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/rooms/{id}/ai/audit",
      summary: "The AI room manager's audit log (room admins)",
      security: BEARER,
      request: {
        params: RoomIdParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      },
      responses: (replies) => ({
        200: json(replies.AiReplySchemas.audit, "the audit log, newest last"),
        ...AI_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/rooms/{id}/ai/audit/{auditId}/undo",
      summary: "Undo an AI moderation action (lift the mute, restore the message)",
      security: BEARER,
      request: { params: RoomIdParam.extend({ auditId: AiId }) },
      responses: (replies) => ({
        200: json(replies.AiReplySchemas.undo, "the entry, now undone"),
        ...AI_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/rooms/{id}/ai/kb",
      summary: "The knowledge base the Q&A assistant answers from (room admins)",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: (replies) => ({
        200: json(replies.AiReplySchemas.kb_list, "the entries"),
        ...AI_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/rooms/{id}/ai/kb",
      summary: "Add a knowledge-base entry",
      security: BEARER,
      request: { params: RoomIdParam, ...jsonBody(KbEntryInput, KB_EXAMPLE) },
      responses: (replies) => ({
        201: json(replies.AiReplySchemas.kb_put, "the new entry"),
        ...AI_ERRORS,
      }),
    },
    {
      method: "put",
      path: "/rooms/{id}/ai/kb/{entryId}",
      summary: "Replace a knowledge-base entry",
      security: BEARER,
      request: { params: EntryParams, ...jsonBody(KbEntryInput, KB_EXAMPLE) },
      responses: (replies) => ({
        200: json(replies.AiReplySchemas.kb_put, "the entry as stored"),
        ...AI_ERRORS,
      }),
    },
    {
      method: "delete",
      path: "/rooms/{id}/ai/kb/{entryId}",
      summary: "Delete a knowledge-base entry",
      security: BEARER,
      request: { params: EntryParams },
      responses: (replies) => ({
        200: json(replies.AiReplySchemas.kb_delete, "deleted"),
        ...AI_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/rooms/{id}/ai/qa/{action}",
      summary: "Q&A assistant: pause, resume, interrupt, or skip `{questionId}`",
      security: BEARER,
      request: {
        params: RoomIdParam.extend({ action: z.enum(["pause", "resume", "interrupt", "skip"]) }),
        ...jsonBody(z.object({ questionId: z.string().min(1).max(80) }).strict(), {
          questionId: "q_1",
        }, false),
      },
      responses: (replies) => ({
        200: json(replies.AiReplySchemas.qa, "the Q&A status after the action"),
        ...AI_ERRORS,
      }),
    },
  ],
);

const MANAGER_ERRORS = errors({
  400: ["bad_room_id", "bad_request", "bad_json", "bad_link", "bad_persona"],
  401: ["auth_required", "auth_invalid", "auth_expired", "auth_revoked"],
  403: ["forbidden"],
  404: ["link_not_found", "input_not_found"],
  409: ["already_linked", "too_many_links", "nothing_to_interrupt"],
  422: ["secret_storage_off"],
  503: ["unavailable", "timeout", "room_unavailable"],
});

export const managersApi = area(
  "bridges and co-host",
  "A room's links to outside platforms and its AI co-host (room managers)",
  "/api",
  [
    {
      method: "get",
      path: "/rooms/{id}/bridges",
      summary: "The room's links, each with its bridge's health",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: (replies) => ({
        200: json(replies.BridgeReplySchemas.list, "links"),
        ...MANAGER_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/rooms/{id}/bridges",
      summary: "Link an outside live room (secrets are sealed and never returned)",
      security: BEARER,
      request: {
        params: RoomIdParam,
        ...jsonBody(LinkRequest, { platform: "bilibili", roomId: 21_452_505 } as never),
      },
      responses: (replies) => ({
        201: json(replies.BridgeReplySchemas.link, "the link and its bridge's first health"),
        ...MANAGER_ERRORS,
      }),
    },
    {
      method: "delete",
      path: "/rooms/{id}/bridges/{linkId}",
      summary: "Unlink (the bridge disconnects)",
      security: BEARER,
      request: { params: RoomIdParam.extend({ linkId: z.string().regex(/^ln_[0-9a-f]{16}$/) }) },
      responses: (replies) => ({
        200: json(replies.BridgeReplySchemas.unlink, "unlinked"),
        ...MANAGER_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/rooms/{id}/cohost",
      summary: "The co-host: persona, state, waiting queue, counters",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: (replies) => ({
        200: json(replies.CoHostReplySchemas.status, "the co-host"),
        ...MANAGER_ERRORS,
      }),
    },
    {
      method: "put",
      path: "/rooms/{id}/cohost",
      summary: "Set the co-host's persona",
      security: BEARER,
      request: { params: RoomIdParam, ...jsonBody(Persona, { name: "Mimi", enabled: true }) },
      responses: (replies) => ({
        200: json(replies.CoHostReplySchemas.configure, "the co-host with its new persona"),
        ...MANAGER_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/rooms/{id}/cohost/interrupt",
      summary: "End the co-host's current reply now",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: (replies) => ({
        200: json(replies.CoHostReplySchemas.interrupt, "interrupted"),
        ...MANAGER_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/rooms/{id}/cohost/skip",
      summary: "Drop a waiting input",
      security: BEARER,
      request: {
        params: RoomIdParam,
        ...jsonBody(z.object({ inputId: z.string().min(1).max(100) }).strict(), {
          inputId: "in_1",
        }),
      },
      responses: (replies) => ({
        200: json(replies.CoHostReplySchemas.skip, "skipped"),
        ...MANAGER_ERRORS,
      }),
    },
    {
      method: "post",
      path: "/rooms/{id}/cohost/proxy-key",
      summary: "A new per-room key for /proxy-ws (shown once)",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: (replies) => ({
        200: json(replies.CoHostReplySchemas.rotate_key, "the new key"),
        ...MANAGER_ERRORS,
      }),
    },
  ],
);

const RoomIdPath = z.object({ roomId: RoomId.openapi({ param: { name: "roomId", in: "path" } }) });
const UPGRADE = {
  101: { description: "Switching protocols: the socket is open" },
  ...errors({
    400: ["bad_room_id"],
    426: ["upgrade_required"],
    429: ["too_many_connections"],
  }),
};

export const socketsApi = area(
  "sockets",
  "WebSocket upgrades: frames in /api/protocol.schema.json and edge/PROTOCOL.md",
  "/",
  [
    {
      method: "get",
      path: "/ws/rooms/{roomId}",
      summary: "The room socket (viewer protocol v1: hello, say, gift, resume...)",
      description: "Frames are `ClientFrame` and `ServerFrame` (components below; also " +
        "`/api/protocol.schema.json`). A plain GET answers 426, or 429 while this address " +
        "is at its socket cap.",
      request: { params: RoomIdPath },
      responses: () => UPGRADE,
    },
    {
      method: "get",
      path: "/proxy-ws/rooms/{roomId}",
      summary: "Open-LLM-VTuber compatible co-host socket (room managers or the proxy key)",
      request: {
        params: RoomIdPath,
        query: z.object({
          token: z.string().optional().openapi({ description: "a room manager's session token" }),
          key: z.string().optional().openapi({ description: "the room's proxy key" }),
        }),
      },
      responses: () => UPGRADE,
    },
  ],
);
