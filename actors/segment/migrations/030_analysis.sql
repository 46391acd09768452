-- AI analysis of recordings: live caption cues, one coaching-tips analysis per recording
-- window (unique: a crash or a redelivery never stores a second one), and one summary with
-- chapters per recording (regenerated in place).

CREATE TABLE recording_captions (
  recording_id text NOT NULL,
  -- Offsets from the recording's start (ms).
  start_ms integer NOT NULL CHECK (start_ms >= 0),
  end_ms integer NOT NULL,
  room_id text NOT NULL,
  text text NOT NULL,
  source text NOT NULL CHECK (source IN ('local', 'llm')),
  -- Wall clock of the cue's start (ms since the epoch), to match room windows.
  at timestamptz NOT NULL,
  PRIMARY KEY (recording_id, start_ms)
);

CREATE TABLE analysis_tips (
  recording_id text NOT NULL,
  window_seq integer NOT NULL CHECK (window_seq >= 0),
  room_id text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  -- [{text, type, tags, score}], 3 to 5.
  tips jsonb NOT NULL,
  source text NOT NULL CHECK (source IN ('local', 'llm')),
  transcript text NOT NULL,
  speech_ratio real NOT NULL,
  frames integer NOT NULL,
  danmaku integer NOT NULL,
  -- 1 for the first analysis, +1 per forced re-run (the row is replaced in place).
  run integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, window_seq)
);
CREATE INDEX analysis_tips_room ON analysis_tips (room_id, created_at DESC);

CREATE TABLE recording_summaries (
  recording_id text PRIMARY KEY,
  room_id text NOT NULL,
  summary text NOT NULL,
  -- [{title, startMs}]
  chapters jsonb NOT NULL,
  source text NOT NULL CHECK (source IN ('local', 'llm')),
  run integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now()
);
