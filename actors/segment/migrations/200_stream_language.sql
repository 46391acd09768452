-- The language each window's coaching tips and each stream's summary were written in
-- (BCP-47: zh-CN, en...): the room's setting, else what detection found in its captions and chat.
ALTER TABLE analysis_tips ADD COLUMN language text NOT NULL DEFAULT 'en';
ALTER TABLE recording_summaries ADD COLUMN language text NOT NULL DEFAULT 'en';
-- The window's distinct on-screen text lines (OCR of its key frames), shown beside its tips.
ALTER TABLE analysis_tips ADD COLUMN screen_text jsonb NOT NULL DEFAULT '[]';
