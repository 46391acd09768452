-- One canonical username key (issue 10): folded in JavaScript only (usernameKey in
-- edge/accounts/username_key.ts: NFKC, lower case, 3-24 of a-z 0-9 _) and stored here, so
-- JavaScript and SQL can never disagree about which account a spelling names (lower() follows
-- the database's locale: under C.UTF-8 it turns 'İ' into 'i', JavaScript into 'i' + U+0307).
ALTER TABLE users ADD COLUMN username_key text;

-- Every username the application created is ASCII letters, digits and '_' (registration,
-- OAuth and the admin paths all enforce it). For ASCII, lower() is the same in every locale
-- and the same as the JavaScript folding, and the old unique index on lower(username) already
-- kept these keys unique: the backfill cannot collide.
UPDATE users SET username_key = lower(username) WHERE username ~ '^[A-Za-z0-9_]+$';

-- Anything else could only come from rows edited by hand. Such a row keeps working by id but
-- no login spelling reaches it until an admin renames it: '!' never appears in a folded key,
-- and the id keeps the key unique.
UPDATE users SET username_key = '!' || id WHERE username_key IS NULL;

ALTER TABLE users ALTER COLUMN username_key SET NOT NULL;

CREATE UNIQUE INDEX users_canonical_username_key ON users (username_key);

DROP INDEX users_username_key;
