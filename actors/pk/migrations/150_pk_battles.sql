-- PK battles (actors/pk): one row per finished round between two rooms, written once by the
-- round's coordinator when it ends (keyed by the battle id, so a coordinator that ends the
-- same round again after a fail-over writes nothing new). Scores are the gift value each room
-- took during the round, read from the gifts ledger; top_a/top_b are the top gifters (JSON).
CREATE TABLE pk_battles (
  id text PRIMARY KEY,
  room_a text NOT NULL,
  room_b text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  score_a bigint NOT NULL CHECK (score_a >= 0),
  score_b bigint NOT NULL CHECK (score_b >= 0),
  winner text NOT NULL CHECK (winner IN ('a', 'b', 'draw')),
  reason text NOT NULL,
  ended_by text,
  top_a text NOT NULL,
  top_b text NOT NULL
);
CREATE INDEX pk_battles_room_a ON pk_battles (room_a, ended_at DESC);
CREATE INDEX pk_battles_room_b ON pk_battles (room_b, ended_at DESC);
