-- Platform role changes (edge/accounts/roles.ts): one row per grant or revoke that changed
-- something, written in the same transaction as the users.roles update. `actor_id` is the
-- admin who made the change over the API; null for the operator's CLI and the start-up
-- bootstrap (`via` says which), whose `actor_name` records who ran it.
CREATE TABLE role_events (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL,
  action text NOT NULL CHECK (action IN ('grant', 'revoke')),
  via text NOT NULL CHECK (via IN ('api', 'cli', 'bootstrap')),
  actor_id text REFERENCES users (id) ON DELETE SET NULL,
  actor_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX role_events_user ON role_events (user_id, id);
