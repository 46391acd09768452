-- The danmaku archive (actors/room/danmaku_archive.ts): every published chat message of a
-- room, keyed by its message id so a retried write never duplicates it, for VOD replay
-- (`GET /api/vod/:recordingId/danmaku`) and the analysis of a busy window. A late `retract`
-- (the room's moderation hid a message already shown) lands in `danmaku_retractions`,
-- whichever of the two writes comes first; readers leave retracted messages out.
CREATE TABLE danmaku_archive (
  id text PRIMARY KEY,
  room_id text NOT NULL,
  user_id text NOT NULL,
  name text NOT NULL,
  body text NOT NULL,
  at bigint NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX danmaku_archive_room_at ON danmaku_archive (room_id, at, id);
CREATE TABLE danmaku_retractions (
  message_id text PRIMARY KEY,
  room_id text NOT NULL,
  at bigint NOT NULL,
  retracted_at timestamptz NOT NULL DEFAULT now()
);
