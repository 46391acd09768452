-- Meeting rooms (issue 12): a room is a live room (one streamer, viewers) or a meeting
-- room (participants publish once admitted: actors/room/parts/meeting.ts). Fixed at creation.
ALTER TABLE rooms ADD COLUMN kind text NOT NULL DEFAULT 'live'
  CHECK (kind IN ('live', 'meeting'));
