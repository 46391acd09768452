-- Outbound webhooks (actors/webhooks): endpoints integrators register, the events the
-- platform produced (one row per stable event id), one delivery per (endpoint, event) with
-- its retry schedule, and every attempt made.

-- owner_id NULL: a platform endpoint (admins), every room's events; else a streamer's
-- endpoint, the events of the rooms that user owns. event_types empty: every type.
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  owner_id text REFERENCES users (id) ON DELETE CASCADE,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  secret text NOT NULL,
  event_types text[] NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  -- The worker holding this endpoint's lane (one in the cluster at a time) and until when.
  lane_owner text,
  lane_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_id);

CREATE TABLE webhook_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  room_id text,
  -- Whose endpoints hear it besides the platform's (the room's owner, the paid streamer).
  owner_id text,
  payload jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- status: pending (waiting for next_attempt_at), delivered, failed (schedule exhausted).
CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_status integer,
  last_error text,
  -- An operator asked for the next attempt (manual redelivery).
  manual boolean NOT NULL DEFAULT false,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due_all ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  -- HTTP status, or NULL when no response came (error says why).
  status integer,
  duration_ms integer NOT NULL,
  error text,
  manual boolean NOT NULL DEFAULT false,
  PRIMARY KEY (delivery_id, attempt)
);
