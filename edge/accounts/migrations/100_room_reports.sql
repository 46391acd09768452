-- Viewers' reports of a room or of one message in it (issue 11, the Room page's "Report").
-- Rooms need not be registered (ad-hoc rooms have no row in `rooms`), so room_id is free text
-- checked by the route. One report per reporter, room and message (or the room itself):
-- a repeated click finds the first.
CREATE TABLE room_reports (
  id text PRIMARY KEY,
  room_id text NOT NULL,
  reporter_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reason text NOT NULL CHECK (reason IN ('spam', 'abuse', 'sexual', 'violence', 'minor', 'other')),
  -- The reported message's id, '' for the room as a whole.
  message_id text NOT NULL DEFAULT '',
  note text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed'))
);
CREATE UNIQUE INDEX room_reports_once ON room_reports (reporter_id, room_id, message_id);
CREATE INDEX room_reports_open ON room_reports (created_at DESC) WHERE state = 'open';
CREATE INDEX room_reports_reporter ON room_reports (reporter_id, created_at DESC);
