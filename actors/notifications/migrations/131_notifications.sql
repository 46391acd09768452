-- Notifications (actors/notifications): followers told when a streamer they follow goes live,
-- streamers when a withdrawal is paid or a recording is ready; in the web client (the inbox
-- and Web Push) and by e-mail. Fed by the platform's event log (webhook_events, migration
-- 130): a trigger turns each event that notifies into a fan-out job in the same transaction.

-- Overrides of the defaults (notifications/kinds.ts): one row per (user, kind, channel).
CREATE TABLE notification_prefs (
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind text NOT NULL,
  channel text NOT NULL,
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, kind, channel)
);

-- A browser's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys).
CREATE TABLE push_subscriptions (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  endpoint text NOT NULL UNIQUE,
  p256dh text NOT NULL,
  auth text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_ok_at timestamptz
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- The application server's VAPID key pair (RFC 8292), made by the first process to start.
CREATE TABLE vapid_keys (
  id integer PRIMARY KEY CHECK (id = 1),
  public_key text NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One fan-out per notifying event. `cursor`: the last recipient id written (keyset paging of
-- the followers), moved in the same statement that writes the page, so a worker that dies
-- leaves the job where its last page ended. status: pending, done, skipped (a live event
-- inside the cool-down of the streamer's previous one).
CREATE TABLE notification_jobs (
  event_id text PRIMARY KEY REFERENCES webhook_events (id) ON DELETE CASCADE,
  kind text NOT NULL,
  subject_id text NOT NULL,
  room_id text,
  payload jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  cursor text,
  fanned integer NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz
);
CREATE INDEX notification_jobs_pending ON notification_jobs (created_at) WHERE status = 'pending';
CREATE INDEX notification_jobs_subject ON notification_jobs (subject_id, kind, created_at DESC);

-- One per (event, user): the in-app inbox (`in_app` false: only the other channels carry it).
CREATE TABLE notifications (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  in_app boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  UNIQUE (event_id, user_id)
);
CREATE INDEX notifications_inbox ON notifications (user_id, id DESC) WHERE in_app;

-- One per (notification, channel) for the channels that leave the server (push, email).
-- status: queued, sending (claimed; lease_until), sent, failed, uncertain (a sender died
-- mid-send: never sent again, so nobody gets it twice).
CREATE TABLE notification_sends (
  notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  channel text NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  lease_until timestamptz,
  last_error text,
  sent_at timestamptz,
  PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_sends_due ON notification_sends (channel, next_attempt_at)
  WHERE status = 'queued';
CREATE INDEX notification_sends_claimed ON notification_sends (lease_until)
  WHERE status = 'sending';

-- Keyset pages of a streamer's followers (follower id order).
CREATE INDEX follows_followee_follower ON follows (followee_id, follower_id);

CREATE FUNCTION notification_job_of_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO notification_jobs (event_id, kind, subject_id, room_id, payload, occurred_at)
  VALUES (NEW.id,
          CASE NEW.type WHEN 'stream.started' THEN 'live'
                        WHEN 'withdrawal.paid' THEN 'withdrawal_paid'
                        ELSE 'recording_ready' END,
          NEW.owner_id, NEW.room_id, NEW.payload, NEW.occurred_at)
  ON CONFLICT (event_id) DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER webhook_events_notify AFTER INSERT ON webhook_events FOR EACH ROW
  WHEN (NEW.type IN ('stream.started', 'withdrawal.paid', 'recording.ready')
        AND NEW.owner_id IS NOT NULL)
  EXECUTE FUNCTION notification_job_of_event();
