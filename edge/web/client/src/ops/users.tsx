/**
 * Users and platform roles (admins): search by username prefix and role, a page at a time;
 * grant or revoke each grantable role; the latest role changes (who, when, what).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { DataTable, Pager } from "../components/data_table.tsx";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { formatDateTime } from "../i18n/format.ts";

interface User {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  status: string;
  createdAt: string;
}
interface RoleEvent {
  id: string;
  at: string;
  actorName: string;
  action: "grant" | "revoke";
  role: string;
  username?: string;
  userId: string;
  via: string;
}
const PAGE = 50;

export function Users() {
  const users = useSignal<User[]>([]);
  const grantable = useSignal<string[]>([]);
  const events = useSignal<RoleEvent[]>([]);
  const cursors = useSignal<(string | undefined)[]>([undefined]);
  const page = useSignal(0);
  const query = useSignal({ q: "", role: "" });
  const status = useSignal("");

  const load = async () => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (query.value.q) q.set("q", query.value.q);
    if (query.value.role) q.set("role", query.value.role);
    const after = cursors.value[page.value];
    if (after) q.set("after", after);
    try {
      const [body, ev] = await Promise.all([
        api<{ users: User[]; next?: string | null; grantable: string[] }>(`/admin/users?${q}`, {
          auth: true,
        }),
        api<{ events: RoleEvent[] }>("/admin/role-events?limit=20", { auth: true }),
      ]);
      users.value = body.users;
      grantable.value = body.grantable;
      const next = [...cursors.value];
      next[page.value + 1] = body.next ?? undefined;
      cursors.value = next;
      events.value = ev.events;
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  useEffect(() => void load(), []);

  const change = async (u: User, role: string, action: "grant" | "revoke") => {
    try {
      await api(`/admin/users/${encodeURIComponent(u.id)}/roles/${action}`, {
        auth: true,
        json: { role },
      });
      await load();
      status.value = t(action === "grant" ? "ops.granted" : "ops.revoked", {
        role,
        user: u.username,
      });
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  const search = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    query.value = { q: String(f.get("q") ?? "").trim(), role: String(f.get("role") ?? "") };
    cursors.value = [undefined];
    page.value = 0;
    load();
  };
  const go = (step: number) => {
    page.value += step;
    load();
  };

  return (
    <>
      <section class="panel-card" aria-labelledby="users-h">
        <h2 id="users-h">{t("users.title")}</h2>
        <form class="row" onSubmit={search} role="search">
          <label>
            <span class="visually-hidden">{t("users.query")}</span>
            <input
              name="q"
              maxLength={24}
              placeholder={t("users.query")}
              aria-label={t("users.query")}
            />
          </label>
          <label>
            <span class="visually-hidden">{t("users.role")}</span>
            <select name="role" aria-label={t("users.role")}>
              <option value="">{t("users.anyRole")}</option>
              {[
                "admin",
                "finance",
                ...grantable.value.filter((r) => r !== "admin" && r !== "finance"),
              ]
                .map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </label>
          <button type="submit">{t("users.search")}</button>
        </form>
        <DataTable
          id="users-table"
          headers={[t("ops.user"), t("ops.roles"), t("ops.joined"), t("ops.change")]}
        >
          {users.value.map((u) => (
            <tr key={u.id} data-user={u.username}>
              <td>
                <strong>{u.displayName}</strong> <span class="muted">@{u.username}</span>
              </td>
              <td class="user-roles">{u.roles.join(", ") || "—"}</td>
              <td>{formatDateTime(new Date(u.createdAt))}</td>
              <td class="row">
                {grantable.value.map((role) => {
                  const has = u.roles.includes(role);
                  return (
                    <button
                      type="button"
                      key={role}
                      class={has ? "secondary small" : "small"}
                      data-role={role}
                      data-action={has ? "revoke" : "grant"}
                      onClick={() => change(u, role, has ? "revoke" : "grant")}
                    >
                      {has ? t("ops.revoke", { role }) : t("ops.grant", { role })}
                    </button>
                  );
                })}
              </td>
            </tr>
          ))}
        </DataTable>
        <Pager page={page.value} hasNext={!!cursors.value[page.value + 1]} go={go} />
        {status.value && <p class="muted" role="status" id="users-status">{status.value}</p>}
      </section>
      <section class="panel-card" aria-labelledby="events-h">
        <h2 id="events-h">{t("users.roleChanges")}</h2>
        <ul class="plain" id="role-events">
          {events.value.map((e) => (
            <li key={e.id}>
              <span class="muted small">{formatDateTime(new Date(e.at))}</span>{" "}
              {t(e.action === "grant" ? "ops.eventGrant" : "ops.eventRevoke", {
                by: e.actorName,
                role: e.role,
                user: e.username ?? e.userId,
              })} <span class="muted small">({e.via})</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
