-- Recordings after a restart (media/livekit/reconcile.ts): a recording whose process died
-- or shut down while the room was live becomes 'interrupted'. The process running a
-- recording names itself in `owner` and refreshes `heartbeat_at`; a row left 'recording' with
-- an old heartbeat belongs to a dead process. `resumed_by` says how an interrupted recording
-- was settled: the recording that continues it, 'offline' (the stream had ended), or
-- 'pending:<owner>' while one process (the only one whose claim succeeded) acts on it.
ALTER TABLE recordings DROP CONSTRAINT recordings_state_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_state_check
  CHECK (state IN ('recording', 'paused', 'stopped', 'failed', 'interrupted'));
ALTER TABLE recordings ADD COLUMN owner text;
ALTER TABLE recordings ADD COLUMN heartbeat_at timestamptz;
ALTER TABLE recordings ADD COLUMN resumed_by text;
ALTER TABLE recordings ADD COLUMN resumed_at timestamptz;
CREATE INDEX recordings_unsettled ON recordings (started_at)
  WHERE state IN ('recording', 'paused') OR (state = 'interrupted' AND resumed_by IS NULL);
