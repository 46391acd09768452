/**
 * The Synapse Live client: a typed REST client (`restClient`, types generated from the
 * server's OpenAPI document) and the room socket (`RoomSocket`). It imports nothing of the
 * server and uses only web-standard APIs, so it runs in Deno, Node and browsers.
 */
export {
  ApiError,
  type RestClient,
  restClient,
  type RestOptions,
  type Schemas,
  unwrap,
} from "./rest.ts";
export {
  type Backoff,
  backoffDelay,
  DEFAULT_BACKOFF,
  type EventOf,
  type FrameOf,
  idempotencyKey,
  isEvent,
  type KnownEventType,
  type RoomEvent,
  RoomSocket,
  type RoomSocketEvents,
  type RoomSocketOptions,
  type ServerFrame,
  SocketError,
  type SocketState,
  type Welcome,
} from "./room_socket.ts";
export type { components, paths } from "./api_types.ts";
