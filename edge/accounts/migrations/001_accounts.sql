-- Users, sessions (refresh tokens), OAuth identities, follows, rooms and streams.

CREATE TABLE users (
  id text PRIMARY KEY,
  username text NOT NULL,
  display_name text NOT NULL,
  email text,
  email_verified boolean NOT NULL DEFAULT false,
  -- argon2id PHC string; null for accounts created through OAuth only.
  password_hash text,
  -- Platform roles: viewer, streamer, admin.
  roles text[] NOT NULL DEFAULT ARRAY['viewer']::text[],
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
-- Only a verified email identifies a person; unverified ones may repeat.
CREATE UNIQUE INDEX users_verified_email_key ON users (lower(email)) WHERE email_verified;

-- One login: its access tokens carry the session id (`sid`) and its refresh tokens point
-- to it. Logging out revokes the session; "log out everywhere" revokes all of a user's.
CREATE TABLE sessions (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoke_reason text
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- All tokens descending from one login share its session; reuse revokes the session.
  session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- SHA-256 of the token; the token itself is never stored.
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Set when rotated (exchanged for a new token).
  used_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE oauth_identities (
  provider text NOT NULL,
  subject text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, subject)
);
CREATE INDEX oauth_identities_user ON oauth_identities (user_id);

-- A started OAuth flow: the PKCE verifier waits here for the callback.
CREATE TABLE oauth_states (
  state text PRIMARY KEY,
  provider text NOT NULL,
  code_verifier text NOT NULL,
  -- Set when a signed-in user links a provider to their account.
  link_user_id text REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);

CREATE TABLE follows (
  follower_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  followee_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, created_at DESC);

CREATE TABLE rooms (
  id text PRIMARY KEY,
  owner_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL,
  category text NOT NULL DEFAULT 'just-chatting',
  cover_url text,
  guest_chat boolean NOT NULL DEFAULT true,
  -- The stream on air, null when offline.
  live_stream_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rooms_owner ON rooms (owner_id);
CREATE INDEX rooms_live ON rooms (owner_id) WHERE live_stream_id IS NOT NULL;

CREATE TABLE room_admins (
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (room_id, user_id)
);

CREATE TABLE streams (
  id text PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  title text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX streams_room ON streams (room_id, started_at DESC);
