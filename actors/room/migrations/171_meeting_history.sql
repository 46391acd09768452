-- Meeting history (issue 12): one row per ended meeting of a meeting room
-- (actors/room/meeting_archive.ts), written from the room's own `meeting` events: `ended`
-- writes the row (attendance, who ended it), `summary` adds the summary once it is written.
-- The room itself keeps only its last meeting; this is the record of every one.
-- attendance and summary are JSON text (as the AttendanceRow[] and MeetingSummary of
-- actors/room/meeting_contract.ts).
CREATE TABLE meetings (
  id text PRIMARY KEY,
  room_id text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  ended_by text,
  e2ee boolean NOT NULL DEFAULT false,
  attendees integer NOT NULL DEFAULT 0,
  attendance text NOT NULL,
  summary text
);
CREATE INDEX meetings_room ON meetings (room_id, ended_at DESC);
