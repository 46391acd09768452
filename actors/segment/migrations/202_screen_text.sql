-- On-screen text (OCR) of each analysis window's key frames, one row per line read in a
-- frame, to search a VOD by what was shown ("特价" at 02:10). `at` is the frame's wall clock.
CREATE TABLE recording_screen_text (
  recording_id text NOT NULL,
  window_seq integer NOT NULL CHECK (window_seq >= 0),
  -- The key frame's number within the window (1-based) and its line number in it.
  frame integer NOT NULL CHECK (frame >= 1),
  line integer NOT NULL CHECK (line >= 0),
  room_id text NOT NULL,
  at timestamptz NOT NULL,
  text text NOT NULL,
  confidence real NOT NULL,
  PRIMARY KEY (recording_id, window_seq, frame, line)
);
