-- Faces and expressions in each analysis window's key frames (@vladmandic/human in a worker,
-- media/vision/): one row per key frame, so the dashboard and the VOD draw a timeline and a
-- window's summary (faces present, dominant expression) is computed from its rows. `at` is
-- the frame's wall clock. The expression and scores are the largest face's (the streamer's,
-- in a streamer's own camera); `detail` has its 7 class probabilities, box, and Human's
-- antispoof (`real`) and liveness (`live`) scores.
CREATE TABLE recording_faces (
  recording_id text NOT NULL,
  window_seq integer NOT NULL CHECK (window_seq >= 0),
  frame integer NOT NULL CHECK (frame >= 1),
  room_id text NOT NULL,
  at timestamptz NOT NULL,
  faces integer NOT NULL CHECK (faces >= 0),
  expression text CHECK (expression IN
    ('angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral')),
  expression_score real,
  detail jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (recording_id, window_seq, frame)
);
CREATE INDEX recording_faces_room ON recording_faces (room_id, at);
