/** Declarations of edge/routes/pk.ts: PK battles between two live rooms. */
import { PK_DURATION } from "../../../actors/pk/contract.ts";
import { ID_PATTERN } from "../../../engine/subject.ts";
import { area, type Replies } from "../area.ts";
import { BEARER, errors, json, jsonBody, RoomIdParam, z } from "../schemas.ts";

const PkInvite = z.object({
  from: z.string().regex(ID_PATTERN),
  to: z.string().regex(ID_PATTERN),
  durationSec: z.number().int().min(PK_DURATION.minSec).max(PK_DURATION.maxSec).optional(),
}).strict();
const PK_ID_PATTERN = /^pk_[A-Za-z0-9_-]{1,60}$/;
const PkAction = z.enum(["accept", "decline", "end"]);

const PK_ERRORS = errors({
  400: ["invalid_request", "bad_json", "bad_room_id", "bad_command"],
  401: ["auth_required", "auth_invalid", "auth_expired", "auth_revoked"],
  403: ["forbidden"],
  404: ["pk_not_found"],
  409: ["pk_busy", "pk_not_live", "pk_state", "pk_exists"],
  500: ["internal"],
  503: ["room_unavailable", "pk_unavailable"],
});
const view = (replies: Replies) =>
  json(replies.PkViewSchema, "the battle: status, both sides' scores and top gifters, winner");
const PkParam = z.object({
  pkId: z.string().regex(PK_ID_PATTERN).openapi({
    param: { name: "pkId", in: "path" },
  }),
});

export const pkApi = area("PK", "PK battles between two live rooms", "/api", [
  {
    method: "post",
    path: "/pk",
    summary: "Invite another live room to a PK (the streamer or an admin of `from`)",
    security: BEARER,
    request: { ...jsonBody(PkInvite, { from: "room-a", to: "room-b", durationSec: 300 }) },
    responses: (replies) => ({ 201: view(replies), ...PK_ERRORS }),
  },
  {
    method: "get",
    path: "/pk/{pkId}",
    summary: "A battle: scores (gift value during the round), top gifters, status, winner",
    request: { params: PkParam },
    responses: (replies) => ({ 200: view(replies), ...PK_ERRORS }),
  },
  {
    method: "post",
    path: "/pk/{pkId}/{action}",
    summary: "accept / decline (the invited room's staff); end (either side's staff)",
    security: BEARER,
    request: { params: PkParam.extend({ action: PkAction }) },
    responses: (replies) => ({ 200: view(replies), ...PK_ERRORS }),
  },
  {
    method: "get",
    path: "/rooms/{id}/pk/history",
    summary: "The room's finished PK rounds, newest first",
    request: { params: RoomIdParam },
    responses: (replies) => ({
      200: json(
        z.object({ roomId: z.string(), battles: z.array(replies.PkRecordSchema) }),
        "battles",
      ),
      ...PK_ERRORS,
    }),
  },
]);
