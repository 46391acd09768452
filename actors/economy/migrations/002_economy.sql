-- Wallets and the double-entry ledger, the gift catalog, gifts, top-ups, withdrawals.
-- Every amount is an integer number of currency units (bigint).

-- Accounts: wallet:{user} (spendable coins), earnings:{user} (gift income, withdrawable),
-- held:{user} (earnings held for a withdrawal request), platform:{shard} (commission;
-- sharded so rooms do not queue on one row), external:{provider} (the outside world: money
-- comes in through it, so it alone may go negative).
CREATE TABLE accounts (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('wallet', 'earnings', 'held', 'platform', 'external')),
  owner_id text REFERENCES users (id) ON DELETE RESTRICT,
  balance bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'external' OR balance >= 0)
);
CREATE INDEX accounts_owner ON accounts (owner_id);

-- Each movement is a pair of entries with the same pair_id and opposite amounts.
CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  pair_id text NOT NULL,
  account_id text NOT NULL REFERENCES accounts (id),
  amount bigint NOT NULL CHECK (amount <> 0),
  kind text NOT NULL
    CHECK (kind IN ('topup', 'gift', 'gift_fee', 'withdrawal_hold', 'withdrawal_release')),
  ref_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id DESC);
CREATE INDEX ledger_entries_pair ON ledger_entries (pair_id);

CREATE TABLE gift_catalog (
  id text PRIMARY KEY,
  name text NOT NULL,
  price bigint NOT NULL CHECK (price > 0),
  tier integer NOT NULL CHECK (tier BETWEEN 1 AND 9),
  active boolean NOT NULL DEFAULT true
);
INSERT INTO gift_catalog (id, name, price, tier) VALUES
  ('rose', 'Rose', 1, 1),
  ('heart', 'Heart', 5, 1),
  ('coffee', 'Coffee', 20, 2),
  ('star', 'Shooting Star', 100, 3),
  ('rocket', 'Rocket', 1000, 4),
  ('castle', 'Castle', 10000, 5);

CREATE TABLE gifts (
  id text PRIMARY KEY,
  sender_id text NOT NULL REFERENCES users (id),
  -- A retry with the same key returns this row's result; scoped per sender.
  idempotency_key text NOT NULL,
  room_id text NOT NULL REFERENCES rooms (id),
  stream_id text,
  streamer_id text NOT NULL REFERENCES users (id),
  gift_id text NOT NULL REFERENCES gift_catalog (id),
  count integer NOT NULL CHECK (count > 0),
  unit_price bigint NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  fee bigint NOT NULL CHECK (fee >= 0),
  net bigint NOT NULL CHECK (net >= 0 AND fee + net = amount),
  sender_balance_after bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sender_id, idempotency_key)
);
CREATE INDEX gifts_room_sender ON gifts (room_id, sender_id);
CREATE INDEX gifts_stream_sender ON gifts (stream_id, sender_id) WHERE stream_id IS NOT NULL;
CREATE INDEX gifts_streamer ON gifts (streamer_id, created_at DESC);

CREATE TABLE topups (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  idempotency_key text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  provider text NOT NULL,
  provider_ref text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idempotency_key)
);

CREATE TABLE withdrawals (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  idempotency_key text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  -- requested: funds held; cancelled: funds returned; paid/rejected: for the finance team.
  status text NOT NULL CHECK (status IN ('requested', 'cancelled', 'paid', 'rejected')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX withdrawals_user ON withdrawals (user_id, created_at DESC);

INSERT INTO accounts (id, kind)
SELECT 'platform:' || s, 'platform' FROM generate_series(0, 15) AS s;

-- Every user gets a wallet, an earnings account and a held account when created.
CREATE FUNCTION create_user_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO accounts (id, kind, owner_id) VALUES
    ('wallet:' || NEW.id, 'wallet', NEW.id),
    ('earnings:' || NEW.id, 'earnings', NEW.id),
    ('held:' || NEW.id, 'held', NEW.id);
  RETURN NEW;
END;
$$;
CREATE TRIGGER users_create_accounts AFTER INSERT ON users
  FOR EACH ROW EXECUTE FUNCTION create_user_accounts();
