-- Liveness flags of a live room's publishing participants (media/vision/liveness.ts):
-- "possibly not a live camera" raised with its reasons (frozen picture, a repeating loop, the
-- antispoof and liveness models) and evidence, cleared when the picture looks live again.
-- For the room's admins; a liveness check, not deepfake detection.
CREATE TABLE liveness_flags (
  recording_id text NOT NULL,
  identity text NOT NULL,
  raised_at timestamptz NOT NULL,
  room_id text NOT NULL,
  reasons jsonb NOT NULL,
  evidence jsonb NOT NULL,
  cleared_at timestamptz,
  PRIMARY KEY (recording_id, identity, raised_at)
);
CREATE INDEX liveness_flags_room ON liveness_flags (room_id, raised_at DESC);
