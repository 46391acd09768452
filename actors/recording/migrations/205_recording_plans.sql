-- Recordings started with the Douyin document's API (`POST /api/recording/start` with
-- `live_url`): each is cut into `segment_time` windows counted from the recording's start,
-- each window an MP4 named `{platform}/{anchor}/{date}/{anchor}_{YYYYmmdd_HHMMSS}_{seq}.mp4`
-- under `output`, and its coaching analysis runs over the same window (not ANALYSIS_WINDOW_S).
-- `source_url` never holds a query string (it may carry the platform's tokens).
CREATE TABLE recording_plans (
  recording_id text PRIMARY KEY,
  room_id text NOT NULL,
  -- Who started it (the caller of the API); their recordings answer `tips/latest` without a room.
  owner_id text NOT NULL,
  platform text NOT NULL,
  anchor text NOT NULL,
  window_ms integer NOT NULL CHECK (window_ms >= 1000),
  quality text NOT NULL,
  save_format text NOT NULL,
  source_url text NOT NULL,
  output text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_plans_owner ON recording_plans (owner_id, created_at DESC);

-- One row per window whose MP4 is stored (`path` is its object key).
CREATE TABLE recording_windows (
  recording_id text NOT NULL REFERENCES recording_plans (recording_id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  path text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  -- The media the MP4 holds (whole HLS segments, each in the window its start falls in).
  media_start_at timestamptz NOT NULL,
  media_end_at timestamptz NOT NULL,
  segments integer NOT NULL,
  bytes bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, seq)
);
