/**
 * The API's areas as routers mount them: one `lazyArea` handle per area of `paths/`, which
 * loads the area's module (its zod schemas, their `.openapi()` metadata, @hono/zod-openapi)
 * on the first request to one of its routes. Nothing here imports a declaration at run time,
 * so an idle edge holds the routes' paths but none of their schemas (issue 18). The OpenAPI
 * document (document.ts) imports the modules themselves.
 */
import { lazyArea } from "./area.ts";

const accounts = () => import("./paths/accounts.ts");
const media = () => import("./paths/media.ts");
const roomAi = () => import("./paths/room_ai.ts");

export const healthApi = lazyArea(() => import("./paths/health.ts").then((m) => m.healthApi));
export const publicApi = lazyArea(() => import("./paths/session.ts").then((m) => m.publicApi));
export const accountsApi = lazyArea(() => accounts().then((m) => m.accountsApi));
export const streamerRoomsApi = lazyArea(() => accounts().then((m) => m.streamerRoomsApi));
export const adminUsersApi = lazyArea(() => accounts().then((m) => m.adminUsersApi));
export const roomAiApi = lazyArea(() => roomAi().then((m) => m.roomAiApi));
export const managersApi = lazyArea(() => roomAi().then((m) => m.managersApi));
export const socketsApi = lazyArea(() => roomAi().then((m) => m.socketsApi));
export const stageApi = lazyArea(() => import("./paths/stage.ts").then((m) => m.stageApi));
export const meetingApi = lazyArea(() => import("./paths/meeting.ts").then((m) => m.meetingApi));
export const pkApi = lazyArea(() => import("./paths/pk.ts").then((m) => m.pkApi));
export const economyApi = lazyArea(() => import("./paths/economy.ts").then((m) => m.economyApi));
export const mediaApi = lazyArea(() => media().then((m) => m.mediaApi));
export const analysisApi = lazyArea(() => media().then((m) => m.analysisApi));
export const webhooksApi = lazyArea(() => import("./paths/webhooks.ts").then((m) => m.webhooksApi));
export const notificationsApi = lazyArea(() =>
  import("./paths/notifications.ts").then((m) => m.notificationsApi)
);
export const reportsApi = lazyArea(() => import("./paths/reports.ts").then((m) => m.reportsApi));
export const docsApi = lazyArea(() => import("./paths/docs.ts").then((m) => m.docsApi));
