/** Declarations of edge/routes/stage.ts: guests on stage (连麦). */
import { StageOp } from "../../../actors/room/contract.ts";
import { area, type Replies } from "../area.ts";
import { BEARER, errors, json, jsonBody, RoomIdParam } from "../schemas.ts";

const STAGE_ERRORS = errors({
  400: ["bad_room_id", "invalid_request", "bad_json"],
  401: ["auth_required", "auth_invalid", "auth_expired", "auth_revoked", "login_required"],
  403: ["forbidden", "banned"],
  404: ["stage_not_found"],
  409: ["stage_full", "limit_reached"],
  500: ["internal"],
  503: ["room_unavailable"],
});
const view = (replies: Replies) =>
  json(replies.StageView, "the stage: layout, guests on stage, raised hands");

export const stageApi = area(
  "stage",
  "Guests on stage (连麦): raised hands, accepted guests, layout",
  "/api",
  [
    {
      method: "get",
      path: "/rooms/{id}/stage",
      summary: "The stage: layout, guests and the queue of raised hands",
      description: "The token is optional here.",
      request: { params: RoomIdParam },
      responses: (replies) => ({ 200: view(replies), ...STAGE_ERRORS }),
    },
    {
      method: "post",
      path: "/rooms/{id}/stage",
      summary: "One stage command: raise/lower/leave (own); accept/decline/remove/mute/layout",
      description: "accept, decline, remove, mute and layout need the streamer or a room admin " +
        "(`forbidden` otherwise); an accepted guest may publish in LiveKit at once.",
      security: BEARER,
      request: { params: RoomIdParam, ...jsonBody(StageOp, { op: "raise", media: "both" }) },
      responses: (replies) => ({ 200: view(replies), ...STAGE_ERRORS }),
    },
  ],
);
