-- Withdrawals get their finance side: a request is pending (funds held) until the streamer
-- cancels it, or the finance team marks it paid (held funds leave the platform through the
-- payout account, with the bank transfer's reference) or rejects it (funds released).
-- Every transition is appended to withdrawal_events (who, when, reference or reason).

-- payout:{channel} receives what left the platform; money only enters through top-ups, so
-- wallets + earnings + held + platform + payout always equal the top-ups.
ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check
  CHECK (kind IN ('wallet', 'earnings', 'held', 'platform', 'external', 'payout'));
INSERT INTO accounts (id, kind) VALUES ('payout:withdrawals', 'payout');

-- Existing rows satisfy the narrower old check: no need to scan them again.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
  CHECK (kind IN ('topup', 'gift', 'gift_fee', 'withdrawal_hold', 'withdrawal_release',
                  'withdrawal_payout')) NOT VALID;

ALTER TABLE withdrawals DROP CONSTRAINT withdrawals_status_check;
UPDATE withdrawals SET status = 'pending' WHERE status = 'requested';
ALTER TABLE withdrawals ADD CONSTRAINT withdrawals_status_check
  CHECK (status IN ('pending', 'cancelled', 'paid', 'rejected'));
-- seq: a stable order for paging; the decision: by whom, when, with what reference/reason.
ALTER TABLE withdrawals ADD COLUMN seq bigserial;
ALTER TABLE withdrawals ADD COLUMN payout_reference text;
ALTER TABLE withdrawals ADD COLUMN reason text;
ALTER TABLE withdrawals ADD COLUMN decided_by text REFERENCES users (id);
ALTER TABLE withdrawals ADD COLUMN decided_at timestamptz;
ALTER TABLE withdrawals ADD CONSTRAINT withdrawals_paid_reference
  CHECK ((status = 'paid') = (payout_reference IS NOT NULL));
ALTER TABLE withdrawals ADD CONSTRAINT withdrawals_rejected_reason
  CHECK (status <> 'rejected' OR reason IS NOT NULL);
CREATE UNIQUE INDEX withdrawals_seq ON withdrawals (seq);
CREATE INDEX withdrawals_status_seq ON withdrawals (status, seq);
-- One bank transfer pays one withdrawal.
CREATE UNIQUE INDEX withdrawals_payout_reference ON withdrawals (payout_reference)
  WHERE payout_reference IS NOT NULL;

CREATE TABLE withdrawal_events (
  id bigserial PRIMARY KEY,
  withdrawal_id text NOT NULL REFERENCES withdrawals (id),
  action text NOT NULL CHECK (action IN ('requested', 'cancelled', 'paid', 'rejected')),
  actor_id text NOT NULL REFERENCES users (id),
  reference text,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawal_events_withdrawal ON withdrawal_events (withdrawal_id, id);
INSERT INTO withdrawal_events (withdrawal_id, action, actor_id, created_at)
SELECT id, 'requested', user_id, created_at FROM withdrawals ORDER BY created_at;
INSERT INTO withdrawal_events (withdrawal_id, action, actor_id, created_at)
SELECT id, 'cancelled', user_id, updated_at FROM withdrawals WHERE status = 'cancelled';
