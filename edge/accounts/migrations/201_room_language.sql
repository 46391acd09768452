-- The language a streamer sets for the room's AI (coaching, summaries, answers, notices,
-- co-host): 'auto' follows the language detected in the stream's captions and chat.
ALTER TABLE rooms ADD COLUMN language text NOT NULL DEFAULT 'auto';
