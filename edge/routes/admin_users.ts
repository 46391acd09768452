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
import { guarded } from "../http_errors.ts";
import { requireAdmin, requireUserIdentity } from "../accounts/http.ts";
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
import { declared } from "../openapi/area.ts";
import { adminUsersApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";
import type { AdminReplies, AdminUserView } from "../accounts/admin_view.ts";

function adminView(u: User): AdminUserView {
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

  mount(
    app,
    declared(adminUsersApi, "get", "/admin/users"),
    guard(async (c, input) => {
      await adminActor(c);
      const page = await listUsers(store, input.query());
      return c.json(
        {
          users: page.users.map(adminView),
          next: page.next,
          grantable: [...GRANTABLE_ROLES],
        } satisfies AdminReplies["users"],
      );
    }),
  );
  mount(
    app,
    declared(adminUsersApi, "get", "/admin/users/{id}"),
    guard(async (c, input) => {
      await adminActor(c);
      const user = await requireUser(store, input.param().id);
      const { events } = await roleEvents(store, { userId: user.id, limit: 50 });
      return c.json({ user: adminView(user), events } satisfies AdminReplies["user"]);
    }),
  );
  for (const action of ["grant", "revoke"] as const satisfies readonly RoleAction[]) {
    mount(
      app,
      declared(adminUsersApi, "post", `/admin/users/{id}/roles/${action}`),
      guard(async (c, input) => {
        const actor = await adminActor(c);
        const { role } = await input.json();
        const change = await changeRole(store, { id: input.param().id }, role, action, actor);
        if (change.changed) {
          resolver.forgetUser(change.user.id);
          log.info(`role ${action}`, {
            userId: change.user.id,
            role,
            by: actor.via === "api" ? actor.userId : actor.name,
          });
        }
        return c.json(
          {
            user: adminView(change.user),
            changed: change.changed,
            event: change.event,
          } satisfies AdminReplies["change"],
        );
      }),
    );
  }
  mount(
    app,
    declared(adminUsersApi, "get", "/admin/role-events"),
    guard(async (c, input) => {
      await adminActor(c);
      const { limit, before } = input.query();
      const page: AdminReplies["events"] = await roleEvents(store, {
        limit,
        before: before === undefined ? undefined : BigInt(before),
      });
      return c.json(page);
    }),
  );
  return app;
}
