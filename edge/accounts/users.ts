/** Registered users: creation, lookup, roles and bans. */
import { z } from "zod";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { sqlState, UNIQUE_VIOLATION } from "../../engine/sql/sql.ts";
import { cleanVisibleText } from "../../engine/text/invisible.ts";
import { visibleText } from "../../engine/text/schema.ts";
import { AccountError } from "./errors.ts";
import { usernameKey } from "./username_key.ts";
import type { UserLanguage } from "./user_language.ts";

/** Platform roles. `finance` pays and rejects withdrawals; `admin` does everything else too. */
export const ROLES = ["viewer", "streamer", "finance", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const UsernameInput = z.string().regex(
  /^[A-Za-z0-9_]{3,24}$/,
  "username must be 3-24 characters of A-Z a-z 0-9 _",
);
/** Shown to others: invisible and bidi characters removed (the shared text policy). */
export const DisplayNameInput = visibleText(1, 32);
export const EmailInput = z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(254));

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  emailVerified: boolean;
  roles: string[];
  status: "active" | "banned";
  createdAt: Date;
  /** What notifications are written in; null: not known yet (an account older than it). */
  language: UserLanguage | null;
}

/** A `users` row as selected by `USER_COLUMNS` (no password hash). */
export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  email_verified: boolean;
  roles: string[];
  status: "active" | "banned";
  created_at: Date;
  language: UserLanguage | null;
}

/** The columns of a `UserRow`, for `SELECT` / `RETURNING`. */
export const USER_COLUMNS =
  "id, username, display_name, email, email_verified, roles, status, created_at, language";

interface UserRowWithHash extends UserRow {
  password_hash: string | null;
}

const COLUMNS = `${USER_COLUMNS}, password_hash`;

export const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email,
  emailVerified: r.email_verified,
  roles: r.roles,
  status: r.status,
  createdAt: new Date(r.created_at),
  language: r.language ?? null,
});

export interface NewUser {
  username: string;
  displayName?: string;
  email?: string | null;
  emailVerified?: boolean;
  passwordHash?: string | null;
  roles?: Role[];
  language?: UserLanguage | null;
}

/** The alphabet of a stored username (the key is its lower case). */
const REGISTERED_NAME = /^[A-Za-z0-9_]{3,24}$/;

export async function createUser(db: SqlExecutor, input: NewUser): Promise<User> {
  const key = usernameKey(input.username);
  // The stored name itself must be plain ASCII: `\u212Aate` (Kelvin sign) lower-cases to the
  // key `kate` too, and would otherwise be stored as a look-alike of an honest name.
  if (key === undefined || !REGISTERED_NAME.test(input.username)) {
    throw new AccountError("invalid_request", "username: 3-24 of A-Z a-z 0-9 _");
  }
  try {
    const rows = await db.query<UserRowWithHash>(
      `INSERT INTO users (id, username, username_key, display_name, email, email_verified,
                          password_hash, roles, language)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9) RETURNING ${COLUMNS}`,
      [
        crypto.randomUUID(),
        input.username,
        key,
        input.displayName ?? input.username,
        input.email ?? null,
        input.emailVerified ?? false,
        input.passwordHash ?? null,
        `{${(input.roles ?? ["viewer"]).join(",")}}`,
        input.language ?? null,
      ],
    );
    return toUser(rows[0]);
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) {
      throw new AccountError("username_taken", `the username ${input.username} is taken`);
    }
    throw err;
  }
}

/**
 * Sets the user's language; with `onlyIfUnknown`, only when none is on file (an account made
 * before languages were kept, learning it from a request's Accept-Language).
 */
export async function setUserLanguage(
  db: SqlExecutor,
  id: string,
  language: UserLanguage,
  onlyIfUnknown = false,
): Promise<User | undefined> {
  const rows = await db.query<UserRowWithHash>(
    `UPDATE users SET language = $2 WHERE id = $1${onlyIfUnknown ? " AND language IS NULL" : ""}
     RETURNING ${COLUMNS}`,
    [id, language],
  );
  return rows[0] && toUser(rows[0]);
}

export async function getUser(db: SqlExecutor, id: string): Promise<User | undefined> {
  const rows = await db.query<UserRowWithHash>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] && toUser(rows[0]);
}

export async function requireUser(db: SqlExecutor, id: string): Promise<User> {
  const user = await getUser(db, id);
  if (!user) throw new AccountError("unknown_user", "no such user");
  return user;
}

/** A user and their password hash, by any spelling of the username with its canonical key. */
export async function findByUsername(
  db: SqlExecutor,
  username: string,
): Promise<{ user: User; passwordHash: string | null } | undefined> {
  const key = usernameKey(username);
  if (key === undefined) return undefined;
  const rows = await db.query<UserRowWithHash>(
    `SELECT ${COLUMNS} FROM users WHERE username_key = $1`,
    [key],
  );
  return rows[0] && { user: toUser(rows[0]), passwordHash: rows[0].password_hash };
}

/**
 * The account holding `email`, verified. Accounts are linked by email only when both sides
 * are printable ASCII: SQL's lower() follows the database's locale (under C.UTF-8 it folds
 * U+0130, capital I with a dot, to `i`) while JavaScript does not, so a non-ASCII address could otherwise reach an
 * account whose address merely folds the same way.
 */
export async function findByVerifiedEmail(
  db: SqlExecutor,
  email: string,
): Promise<User | undefined> {
  const key = email.toLowerCase();
  if (!/^[\x21-\x7e]+$/.test(key)) return undefined;
  const rows = await db.query<UserRowWithHash>(
    `SELECT ${COLUMNS} FROM users
      WHERE email ~ '^[!-~]+$' AND lower(email) = $1 AND email_verified`,
    [key],
  );
  return rows[0] && toUser(rows[0]);
}

export async function addRole(db: SqlExecutor, userId: string, role: Role): Promise<void> {
  await db.query(
    `UPDATE users SET roles = array_append(roles, $2) WHERE id = $1 AND NOT ($2 = ANY (roles))`,
    [userId, role],
  );
}

export async function setRoles(db: SqlExecutor, userId: string, roles: Role[]): Promise<User> {
  const rows = await db.query<UserRowWithHash>(
    `UPDATE users SET roles = $2::text[] WHERE id = $1 RETURNING ${COLUMNS}`,
    [userId, `{${[...new Set<Role>(["viewer", ...roles])].join(",")}}`],
  );
  if (!rows[0]) throw new AccountError("unknown_user", "no such user");
  return toUser(rows[0]);
}

export async function setStatus(
  db: SqlExecutor,
  userId: string,
  status: User["status"],
): Promise<User> {
  const rows = await db.query<UserRowWithHash>(
    `UPDATE users SET status = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
    [userId, status],
  );
  if (!rows[0]) throw new AccountError("unknown_user", "no such user");
  return toUser(rows[0]);
}

/**
 * The name shown for a user in rooms and tokens: the stored display name through the text
 * policy again (rows written before it kept bidi and invisible characters), at most 32
 * characters, never blank.
 */
export function shownName(displayName: string): string {
  const clean = [...cleanVisibleText(displayName)].slice(0, 32).join("");
  return clean || "user";
}

/** What other people may see of a user. */
export function publicProfile(u: Pick<User, "id" | "username" | "displayName" | "roles">) {
  return { id: u.id, username: u.username, displayName: u.displayName, roles: u.roles };
}
