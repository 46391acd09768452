-- Who spoke each caption (guests on stage, meetings): the speaker's user id (their LiveKit
-- identity) and display name. '' for captions of one unnamed voice (recordings from before,
-- URL and egress recordings). Two speakers may start a cue at the same offset.
ALTER TABLE recording_captions ADD COLUMN speaker_id text NOT NULL DEFAULT '';
ALTER TABLE recording_captions ADD COLUMN speaker_name text NOT NULL DEFAULT '';
ALTER TABLE recording_captions DROP CONSTRAINT recording_captions_pkey;
ALTER TABLE recording_captions ADD PRIMARY KEY (recording_id, start_ms, speaker_id);
