-- Webhook event ids are claimed for one delivery and recorded as delivered only once the
-- room took the event: a failed delivery deletes its claim, so LiveKit's retry is accepted.
-- Rows from before this migration were delivered (or given up on) already: 'done'.
ALTER TABLE media_webhook_events ADD COLUMN state text NOT NULL DEFAULT 'done';
ALTER TABLE media_webhook_events ADD COLUMN claim_token text;
ALTER TABLE media_webhook_events ADD COLUMN claim_until timestamptz;
