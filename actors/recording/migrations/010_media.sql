-- Media: recordings, their indexed segments, gaps, highlight clips, and the LiveKit
-- webhook events already received (replay guard shared by every edge).
-- room_id is not a foreign key: an external-URL recording may target any room id.

CREATE TABLE recordings (
  id text PRIMARY KEY,
  room_id text NOT NULL,
  streamer_id text,
  source text NOT NULL CHECK (source IN ('livekit', 'url', 'egress')),
  -- Egress id or the stream URL without its query string; never a secret.
  source_ref text,
  state text NOT NULL DEFAULT 'recording'
    CHECK (state IN ('recording', 'paused', 'stopped', 'failed')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text
);
CREATE INDEX recordings_room ON recordings (room_id, started_at DESC);

CREATE TABLE recording_segments (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  room_id text NOT NULL,
  streamer_id text,
  object_key text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  -- Measured by ffprobe.
  duration_ms integer NOT NULL,
  bytes bigint NOT NULL,
  video_codec text,
  audio_codec text,
  width integer,
  height integer,
  valid boolean NOT NULL,
  problem text,
  indexed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, seq)
);
CREATE INDEX recording_segments_room_time ON recording_segments (room_id, start_at);

CREATE TABLE recording_gaps (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  from_at timestamptz NOT NULL,
  to_at timestamptz NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (recording_id, from_at)
);

CREATE TABLE recording_clips (
  id text PRIMARY KEY,
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  highlight_id text NOT NULL,
  -- Offsets into the VOD (ms from its first segment's start).
  start_offset_ms integer NOT NULL,
  end_offset_ms integer NOT NULL,
  object_key text NOT NULL,
  score real,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (recording_id, highlight_id)
);

CREATE TABLE media_webhook_events (
  event_id text PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_webhook_events_age ON media_webhook_events (received_at);
