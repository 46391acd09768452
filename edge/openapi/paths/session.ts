/**
 * Declarations of edge/routes/session.ts, rooms.ts and directory.ts (public, no account),
 * mounted by their routers with `mount` (edge/openapi/router.ts), which reads each request
 * through these very schemas.
 */
import { area, route } from "../area.ts";
import { errors, json, jsonBody, RoomIdParam, z } from "../schemas.ts";

/** One bucket of `GET /rooms/{id}/stats` (actors/room/contract.ts `StatsPoint`). */
const StatsPoint = z.object({
  t: z.number().int().openapi({ description: "bucket start, ms since the epoch" }),
  viewers: z.number().int(),
  danmaku: z.number().int().openapi({ description: "chat messages accepted in the bucket" }),
  gifts: z.number().int().openapi({ description: "gifts committed in the bucket" }),
  coins: z.string().openapi({ description: "their value, integer units as a decimal string" }),
});

export const GuestRequest = z.object({ nickname: z.string().max(200).optional() }).strict();

const Identity = z.object({
  userId: z.string(),
  name: z.string(),
  kind: z.enum(["guest", "user"]),
  roles: z.array(z.string()),
}).openapi("Identity");

const GuestSession = z.object({
  token: z.string(),
  identity: Identity,
  expiresAt: z.string().openapi({ format: "date-time" }),
}).openapi("GuestSession");

const RoomStatus = z.looseObject({
  roomId: z.string(),
  viewers: z.number(),
  rate: z.number(),
  live: z.boolean().optional(),
  liveSince: z.number().nullable().optional(),
}).openapi("RoomStatus");

const DirectoryEntry = z.object({
  roomId: z.string(),
  viewers: z.number(),
  rate: z.number(),
  live: z.boolean(),
  liveSince: z.number().nullable(),
  title: z.string().nullable(),
  category: z.string().nullable(),
  coverUrl: z.string().nullable(),
  owner: z.looseObject({ username: z.string(), displayName: z.string() }).nullable(),
}).openapi("DirectoryEntry");

const ROOM_ERRORS = errors({
  400: ["bad_room_id"],
  500: ["internal"],
  503: ["room_unavailable"],
});

const listRoomsRoute = route({
  tags: ["rooms"],
  method: "get",
  path: "/rooms",
  summary: "Rooms with viewers or a stream, from the status directory",
  responses: () => ({
    200: json(z.object({ rooms: z.array(RoomStatus) }), "rooms", {
      rooms: [{ roomId: "lobby", viewers: 3, rate: 0.5, live: true, liveSince: 1764844800000 }],
    }),
  }),
});

const getRoomRoute = route({
  tags: ["rooms"],
  method: "get",
  path: "/rooms/{id}",
  summary: "One room as its actor sees it (activates it)",
  request: { params: RoomIdParam },
  responses: (replies) => ({
    200: json(z.object({ room: replies.RoomInfo }), "the room"),
    ...ROOM_ERRORS,
  }),
});

const highlightsRoute = route({
  tags: ["rooms"],
  method: "get",
  path: "/rooms/{id}/highlights",
  summary: "The room's highlight spans",
  request: { params: RoomIdParam },
  responses: (replies) => ({
    200: json(
      z.object({ roomId: z.string(), highlights: z.array(replies.HighlightSpanSchema) }),
      "highlights",
    ),
    ...ROOM_ERRORS,
  }),
});

const statsRoute = route({
  tags: ["rooms"],
  method: "get",
  path: "/rooms/{id}/stats",
  summary: "The room's time series for the streamer's charts (10 s buckets since it woke)",
  request: { params: RoomIdParam },
  responses: () => ({
    200: json(
      z.object({
        roomId: z.string(),
        bucketMs: z.number().int(),
        points: z.array(StatsPoint),
        current: StatsPoint,
      }),
      "closed buckets, oldest first, and the open one",
      {
        roomId: "lobby",
        bucketMs: 10000,
        points: [{ t: 1764844800000, viewers: 3, danmaku: 12, gifts: 1, coins: "100" }],
        current: { t: 1764844810000, viewers: 4, danmaku: 2, gifts: 0, coins: "0" },
      },
    ),
    ...ROOM_ERRORS,
  }),
});

/** One minute of `GET /rooms/{id}/stats/minutes` (actors/room/stats_archive.ts). */
const StatsMinute = z.object({
  t: z.number().int().openapi({ description: "minute start, ms since the epoch" }),
  viewers: z.number().int().openapi({ description: "the minute's peak" }),
  danmaku: z.number().int(),
  gifts: z.number().int(),
  coins: z.string().openapi({ description: "integer units as a decimal string" }),
  mood: z.number().nullable().openapi({ description: "the chat's mean mood, -1..1" }),
});

const statsMinutesRoute = route({
  tags: ["rooms"],
  method: "get",
  path: "/rooms/{id}/stats/minutes",
  summary: "The room's stats per minute, kept across its activations (for the charts of a " +
    "whole stream); empty on a server without a database",
  request: {
    params: RoomIdParam,
    query: z.object({
      since: z.coerce.number().int().min(0).optional().openapi({
        description: "ms since the epoch (default: four hours ago)",
      }),
      until: z.coerce.number().int().min(0).optional().openapi({
        description: "ms since the epoch, exclusive (default: now)",
      }),
    }),
  },
  responses: () => ({
    200: json(
      z.object({ roomId: z.string(), minutes: z.array(StatsMinute) }),
      "minutes oldest first, at most a day of them",
      {
        roomId: "lobby",
        minutes: [{ t: 1764844800000, viewers: 5, danmaku: 40, gifts: 2, coins: "200", mood: 0.3 }],
      },
    ),
    ...ROOM_ERRORS,
  }),
});

const directoryRoute = route({
  tags: ["rooms"],
  method: "get",
  path: "/directory",
  summary: "The home page's list: live rooms first, with their cards",
  request: {
    query: z.object({
      q: z.string().trim().max(64).optional().openapi({
        description: "title, streamer or room id",
      }),
      category: z.string().trim().max(64).optional(),
    }),
  },
  responses: () => ({
    200: json(
      z.object({ rooms: z.array(DirectoryEntry), categories: z.array(z.string()) }),
      "the directory",
      {
        rooms: [{
          roomId: "lobby",
          viewers: 3,
          rate: 0.5,
          live: true,
          liveSince: 1764844800000,
          title: "Night chat",
          category: "music",
          coverUrl: null,
          owner: { username: "rose", displayName: "Rose" },
        }],
        categories: ["music"],
      },
    ),
    ...errors({ 400: ["invalid_request"] }),
  }),
});

export const publicApi = area("rooms", "Guest sessions, live rooms and the directory", "/api", [
  {
    method: "post",
    path: "/session/guest",
    summary: "A guest session token (chat without an account)",
    request: jsonBody(GuestRequest, { nickname: "rose" }, false),
    responses: () => ({
      201: json(GuestSession, "the session", {
        token: "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        identity: { userId: "g_4f2a", name: "rose", kind: "guest", roles: [] },
        expiresAt: "2026-12-05T12:00:00.000Z",
      }),
      ...errors({ 400: ["bad_request", "bad_nickname"], 429: ["rate_limited"] }),
    }),
  },
  listRoomsRoute,
  getRoomRoute,
  highlightsRoute,
  statsRoute,
  statsMinutesRoute,
  directoryRoute,
]);
