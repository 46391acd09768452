/**
 * Platform roles over REST, for platform admins (mounted by the accounts router under /api):
 *
 *   GET  /admin/users?q&role&limit&after     users by username with their roles, paged
 *   GET  /admin/users/:id                    one user, with their role changes
 *   POST /admin/users/:id/roles/grant {role} grant `streamer`, `finance` or `admin`
 *   POST /admin/users/:id/roles/revoke {role}
 *   GET  /admin/role-events?limit&before     every role change, newest first
 *
 * Each change is audited in `role_events` (who, when, what) in its own transaction
 * (edge/accounts/roles.ts). Refusals: `forbidden`, `unknown_role`, `role_not_grantable`,
 * `unknown_user`, `last_admin`.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { guarded } from "../http_errors.ts";
import {
  parseBody,
  parseWith,
  pathParam,
  requireAdmin,
  requireUserIdentity,
} from "../accounts/http.ts";
import type { Accounts } from "../accounts/service.ts";
import {
  changeRole,
  GRANTABLE_ROLES,
  listUsers,
  type RoleAction,
  type RoleActor,
  roleEvents,
} from "../accounts/roles.ts";
import { publicProfile, requireUser, type User } from "../accounts/users.ts";

export const RoleInput = z.object({ role: z.string().min(1).max(40) }).strict();
export const UsersQuery = z.object({
  q: z.string().max(24).optional(),
  role: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(64).optional(),
});
const EventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(/^\d{1,19}$/).transform((s) => BigInt(s)).optional(),
});

function adminView(u: User) {
  return {
    ...publicProfile(u),
    status: u.status,
    createdAt: u.createdAt.toISOString(),
  };
}

export function adminUsersRoutes(deps: Accounts): Hono {
  const app = new Hono();
  const { store, resolver, log } = deps;
  const guard = guarded(log);

  /** The signed-in platform admin, as the audit log names them. */
  const adminActor = async (c: Context): Promise<RoleActor> => {
    const who = await requireUserIdentity(c, resolver);
    requireAdmin(who);
    const user = await requireUser(store, who.userId);
    return { via: "api", userId: user.id, name: user.username };
  };

  app.get(
    "/admin/users",
    guard(async (c) => {
      await adminActor(c);
      const q = parseWith(UsersQuery, c.req.query());
      const page = await listUsers(store, q);
      return c.json({
        users: page.users.map(adminView),
        next: page.next,
        grantable: GRANTABLE_ROLES,
      });
    }),
  );
  app.get(
    "/admin/users/:id",
    guard(async (c) => {
      await adminActor(c);
      const user = await requireUser(store, pathParam(c, "id"));
      const { events } = await roleEvents(store, { userId: user.id, limit: 50 });
      return c.json({ user: adminView(user), events });
    }),
  );
  for (const action of ["grant", "revoke"] as const satisfies readonly RoleAction[]) {
    app.post(
      `/admin/users/:id/roles/${action}`,
      guard(async (c) => {
        const actor = await adminActor(c);
        const { role } = await parseBody(c, RoleInput);
        const change = await changeRole(store, { id: pathParam(c, "id") }, role, action, actor);
        if (change.changed) {
          resolver.forgetUser(change.user.id);
          log.info(`role ${action}`, {
            userId: change.user.id,
            role,
            by: actor.via === "api" ? actor.userId : actor.name,
          });
        }
        return c.json({
          user: adminView(change.user),
          changed: change.changed,
          event: change.event,
        });
      }),
    );
  }
  app.get(
    "/admin/role-events",
    guard(async (c) => {
      await adminActor(c);
      const q = parseWith(EventsQuery, c.req.query());
      return c.json(await roleEvents(store, q));
    }),
  );
  return app;
}
