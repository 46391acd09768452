/**
 * Granting and revoking platform roles, with an audit row for every change. Used by the admin
 * API (edge/routes/admin_users.ts), the operator's CLI (edge/accounts/admin_cli.ts) and the
 * start-up bootstrap (`BOOTSTRAP_ADMINS`).
 *
 * Every change runs in one transaction holding a transaction-scoped advisory lock, so two role
 * changes never interleave: two admins revoking each other at once cannot leave the platform
 * without an admin (the second finds itself demoted: `forbidden`; revoking the last active
 * admin is `last_admin`), and the role update and its `role_events` row commit together.
 */
import type { SqlExecutor, SqlStore, SqlTx } from "../../engine/sql/sql.ts";
import type { Logger } from "../../engine/log.ts";
import { AccountError } from "./errors.ts";
import { usernameKey } from "./username_key.ts";
import { type Role, ROLES, toUser, type User, USER_COLUMNS, type UserRow } from "./users.ts";

/** Arbitrary constant naming "the role lock" among advisory locks. */
const ROLE_LOCK_KEY = 72_615_003;

/** Roles an admin or the operator may grant and revoke; `viewer` is everyone's base role. */
export const GRANTABLE_ROLES = ["streamer", "finance", "admin"] as const satisfies readonly Role[];
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export type RoleAction = "grant" | "revoke";

/** Who makes a change: an admin over the API, or the operator (CLI) / start-up bootstrap. */
export type RoleActor =
  | { via: "api"; userId: string; name: string }
  | { via: "cli" | "bootstrap"; name: string };

export interface RoleEvent {
  id: string;
  userId: string;
  username: string | null;
  role: string;
  action: RoleAction;
  via: RoleActor["via"];
  actorId: string | null;
  actorName: string;
  at: string;
}

export interface RoleChange {
  user: User;
  /** False when the user already had (grant) or lacked (revoke) the role: nothing written. */
  changed: boolean;
  event?: RoleEvent;
}

/** A user named by id (API) or by username, case-insensitive (CLI, bootstrap). */
export type UserRef = { id: string } | { username: string };

/** The role, or `unknown_role` / `role_not_grantable`. */
export function grantableRole(role: string): GrantableRole {
  if ((GRANTABLE_ROLES as readonly string[]).includes(role)) return role as GrantableRole;
  if ((ROLES as readonly string[]).includes(role)) {
    throw new AccountError(
      "role_not_grantable",
      `${role} is every user's base role: it is neither granted nor revoked`,
    );
  }
  throw new AccountError(
    "unknown_role",
    `unknown role ${JSON.stringify(role.slice(0, 40))}: one of ${GRANTABLE_ROLES.join(", ")}`,
  );
}

interface EventRow {
  id: bigint | string;
  user_id: string;
  username: string | null;
  role: string;
  action: RoleAction;
  via: RoleActor["via"];
  actor_id: string | null;
  actor_name: string;
  created_at: Date;
}

const toEvent = (r: EventRow): RoleEvent => ({
  id: String(r.id),
  userId: r.user_id,
  username: r.username,
  role: r.role,
  action: r.action,
  via: r.via,
  actorId: r.actor_id,
  actorName: r.actor_name,
  at: new Date(r.created_at).toISOString(),
});

async function lockUser(tx: SqlExecutor, ref: UserRef): Promise<User> {
  const rows = "id" in ref
    ? await tx.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [
      ref.id,
    ])
    : await tx.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE username_key = $1 FOR UPDATE`,
      [usernameKey(ref.username) ?? ""],
    );
  if (!rows[0]) {
    const name = "id" in ref ? "" : ` named ${ref.username.slice(0, 40)}`;
    throw new AccountError("unknown_user", `no such user${name}`);
  }
  return toUser(rows[0]);
}

/** Active admins other than `userId`. */
async function otherActiveAdmins(tx: SqlExecutor, userId: string): Promise<number> {
  const rows = await tx.query<{ n: bigint | number | string }>(
    `SELECT count(*) AS n FROM users WHERE 'admin' = ANY (roles) AND status = 'active' AND id <> $1`,
    [userId],
  );
  return Number(rows[0].n);
}

/** One change inside the caller's locked transaction. */
async function applyChange(
  tx: SqlTx,
  user: User,
  role: GrantableRole,
  action: RoleAction,
  actor: RoleActor,
): Promise<RoleChange> {
  const has = user.roles.includes(role);
  if (action === "grant" ? has : !has) return { user, changed: false };
  if (action === "revoke" && role === "admin" && (await otherActiveAdmins(tx, user.id)) === 0) {
    throw new AccountError(
      "last_admin",
      `${user.username} is the last active admin: grant admin to someone else first`,
    );
  }
  const roles = action === "grant" ? [...user.roles, role] : user.roles.filter((r) => r !== role);
  const updated = await tx.query<UserRow>(
    `UPDATE users SET roles = $2::text[] WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [user.id, `{${roles.join(",")}}`],
  );
  const events = await tx.query<EventRow>(
    `INSERT INTO role_events (user_id, role, action, via, actor_id, actor_name)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, user_id, $7::text AS username, role, action, via, actor_id, actor_name,
               created_at`,
    [
      user.id,
      role,
      action,
      actor.via,
      actor.via === "api" ? actor.userId : null,
      actor.name.slice(0, 64),
      user.username,
    ],
  );
  return { user: toUser(updated[0]), changed: true, event: toEvent(events[0]) };
}

/**
 * Run `fn` under the role lock. An API actor is checked again inside it: an admin demoted a
 * moment ago (their session's roles are cached briefly) changes nothing (`forbidden`).
 */
async function locked<T>(
  store: SqlStore,
  actor: RoleActor | undefined,
  fn: (tx: SqlTx) => Promise<T>,
): Promise<T> {
  return await store.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [ROLE_LOCK_KEY]);
    if (actor?.via === "api") {
      const rows = await tx.query<{ roles: string[]; status: string }>(
        "SELECT roles, status FROM users WHERE id = $1",
        [actor.userId],
      );
      if (!rows[0]?.roles.includes("admin") || rows[0].status !== "active") {
        throw new AccountError("forbidden", "platform admins only");
      }
    }
    return await fn(tx);
  });
}

/**
 * Grant or revoke one role. Refusals (nothing written): `unknown_role`, `role_not_grantable`,
 * `unknown_user`, `last_admin` (revoking admin from the last active admin). Granting a role
 * the user has, or revoking one they lack, changes nothing and answers `changed: false`.
 */
export async function changeRole(
  store: SqlStore,
  ref: UserRef,
  roleName: string,
  action: RoleAction,
  actor: RoleActor,
): Promise<RoleChange> {
  const role = grantableRole(roleName);
  return await locked(store, actor, async (tx) => {
    const user = await lockUser(tx, ref);
    return await applyChange(tx, user, role, action, actor);
  });
}

/**
 * Set a user's grantable roles to exactly `roles` (`viewer` is kept): the differences are
 * applied as grants and revokes in one transaction, each audited; `last_admin` refuses all.
 */
export async function replaceRoles(
  store: SqlStore,
  ref: UserRef,
  roleNames: readonly string[],
  actor: RoleActor,
): Promise<{ user: User; events: RoleEvent[] }> {
  const wanted = new Set(roleNames.filter((r) => r !== "viewer").map(grantableRole));
  return await locked(store, actor, async (tx) => {
    let user = await lockUser(tx, ref);
    const events: RoleEvent[] = [];
    for (const role of GRANTABLE_ROLES) {
      const action = wanted.has(role) ? "grant" : "revoke";
      const change = await applyChange(tx, user, role, action, actor);
      user = change.user;
      if (change.event) events.push(change.event);
    }
    return { user, events };
  });
}

/**
 * `BOOTSTRAP_ADMINS`: while no active admin exists, make the named existing users admins.
 * Once any active admin exists it does nothing, so the variable can never undo a later
 * revocation or re-promote someone on a restart.
 */
export async function bootstrapAdmins(
  store: SqlStore,
  usernames: readonly string[],
  log: Logger,
): Promise<{ granted: string[]; missing: string[]; skipped: boolean }> {
  const names = [...new Set(usernames.map((n) => n.trim()).filter(Boolean))];
  if (names.length === 0) return { granted: [], missing: [], skipped: false };
  const result = await locked(store, undefined, async (tx) => {
    const admins = await tx.query<{ n: bigint | number | string }>(
      `SELECT count(*) AS n FROM users WHERE 'admin' = ANY (roles) AND status = 'active'`,
    );
    if (Number(admins[0].n) > 0) return { granted: [], missing: [], skipped: true };
    const granted: string[] = [];
    const missing: string[] = [];
    for (const username of names) {
      let user: User;
      try {
        user = await lockUser(tx, { username });
      } catch (err) {
        if (err instanceof AccountError && err.code === "unknown_user") {
          missing.push(username);
          continue;
        }
        throw err;
      }
      const change = await applyChange(tx, user, "admin", "grant", {
        via: "bootstrap",
        name: "BOOTSTRAP_ADMINS",
      });
      if (change.changed) granted.push(user.username);
    }
    return { granted, missing, skipped: false };
  });
  if (result.skipped) {
    log.info("BOOTSTRAP_ADMINS ignored: an admin exists", { names: names.length });
  } else {
    log.info("BOOTSTRAP_ADMINS applied", { granted: result.granted, missing: result.missing });
    if (result.missing.length) {
      log.warn("BOOTSTRAP_ADMINS names users that do not exist (register, then restart)", {
        missing: result.missing,
      });
    }
  }
  return result;
}

export interface UserListQuery {
  /** Username prefix, case-insensitive. */
  q?: string;
  role?: string;
  limit: number;
  /** Username (lower case) of the last row of the previous page. */
  after?: string;
}

/** The WHERE terms (and their parameters) of a listing's prefix and role. */
function userFilter(query: Pick<UserListQuery, "q" | "role">) {
  const params: (string | number)[] = [];
  const where: string[] = [];
  if (query.q) {
    const prefix = query.q.normalize("NFKC").toLowerCase();
    params.push(prefix.replace(/[\\%_]/g, (m) => `\\${m}`) + "%");
    where.push(`username_key LIKE $${params.length}`);
  }
  if (query.role) {
    params.push(query.role);
    where.push(`$${params.length} = ANY (roles)`);
  }
  return { params, where };
}

/** How many users a listing with this prefix and role would show in all. */
export async function countUsers(
  db: SqlExecutor,
  query: Pick<UserListQuery, "q" | "role">,
): Promise<number> {
  const { params, where } = userFilter(query);
  const [row] = await db.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM users ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`,
    params,
  );
  return Number(row?.n ?? 0);
}

/** Users by username, a page at a time. */
export async function listUsers(
  db: SqlExecutor,
  query: UserListQuery,
): Promise<{ users: User[]; next: string | null }> {
  const { params, where } = userFilter(query);
  if (query.after) {
    params.push(query.after);
    where.push(`username_key > $${params.length}`);
  }
  params.push(query.limit);
  const rows = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY username_key LIMIT $${params.length}`,
    params,
  );
  const users = rows.map(toUser);
  const next = users.length === query.limit ? users[users.length - 1].username.toLowerCase() : null;
  return { users, next };
}

/** Role changes, newest first (of one user, or all), a page at a time. */
export async function roleEvents(
  db: SqlExecutor,
  query: { userId?: string; limit: number; before?: bigint },
): Promise<{ events: RoleEvent[]; next: string | null }> {
  const params: (string | number | bigint)[] = [];
  const where: string[] = [];
  if (query.userId) {
    params.push(query.userId);
    where.push(`e.user_id = $${params.length}`);
  }
  if (query.before !== undefined) {
    params.push(query.before);
    where.push(`e.id < $${params.length}`);
  }
  params.push(query.limit);
  const rows = await db.query<EventRow>(
    `SELECT e.id, e.user_id, u.username, e.role, e.action, e.via, e.actor_id, e.actor_name,
            e.created_at
       FROM role_events e LEFT JOIN users u ON u.id = e.user_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY e.id DESC LIMIT $${params.length}`,
    params,
  );
  const events = rows.map(toEvent);
  return { events, next: events.length === query.limit ? events[events.length - 1].id : null };
}
