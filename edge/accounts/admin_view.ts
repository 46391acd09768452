/**
 * What platform admins see of users and what the admin routes answer (edge/routes/admin_users.ts
 * answers them, edge/openapi/replies.ts declares them): kept apart from the routes so the
 * declarations can name these types without importing the routes that mount them.
 */
import type { GrantableRole, RoleEvent } from "./roles.ts";
import type { User } from "./users.ts";

/** A user as platform admins see them. */
export interface AdminUserView {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  status: User["status"];
  createdAt: string;
}

/** What each admin route answers (edge/openapi/replies.ts declares them). */
export interface AdminReplies {
  users: { users: AdminUserView[]; next: string | null; grantable: GrantableRole[] };
  user: { user: AdminUserView; events: RoleEvent[] };
  change: { user: AdminUserView; changed: boolean; event?: RoleEvent };
  events: { events: RoleEvent[]; next: string | null };
}
