-- The rooms' stats per minute (actors/room/stats_archive.ts), for the streamer dashboard's
-- charts over a whole stream: the room keeps its 10 s buckets in memory only, so they would
-- start over when it passivates or its process restarts. Written from the published batches
-- off the room's path: counts are added (a room has one activation at a time, so one writer
-- per room), viewers is the minute's peak, mood the AI's figure for that minute.
CREATE TABLE room_stats_minutes (
  room_id text NOT NULL,
  -- Start of the minute, ms since the epoch.
  minute bigint NOT NULL,
  viewers integer NOT NULL DEFAULT 0,
  danmaku integer NOT NULL DEFAULT 0,
  gifts integer NOT NULL DEFAULT 0,
  -- Integer currency units.
  coins numeric(30, 0) NOT NULL DEFAULT 0,
  mood_mean real,
  mood_count integer NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, minute)
);
