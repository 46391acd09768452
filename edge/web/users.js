// The Users page (`/#/users`, platform admins): users by username with their platform roles,
// a button per grantable role to grant or revoke it, and the audit log of role changes (who,
// when, what). Refusals are shown with their code (`last_admin`, `unknown_user`, ...).
import { $, api, currentUser, el } from "./api.js";

const PAGE = 50;
let cursors = [undefined];
let page = 0;

function errorText(err) {
  return err.code ? `${err.code}: ${err.message}` : String(err);
}

function roleButtons(u, grantable, refresh) {
  return grantable.map((role) => {
    const has = u.roles.includes(role);
    const button = el(
      "button",
      {
        class: has ? "secondary role-btn revoke" : "role-btn grant",
        "data-role": role,
        "data-action": has ? "revoke" : "grant",
        title: has ? `revoke ${role}` : `grant ${role}`,
      },
      `${has ? "−" : "+"} ${role}`,
    );
    button.onclick = async () => {
      const action = has ? "revoke" : "grant";
      try {
        await api(`/admin/users/${encodeURIComponent(u.id)}/roles/${action}`, {
          json: { role },
          auth: true,
        });
        await refresh();
        $("#users-status").textContent = action === "grant"
          ? `granted ${role} to ${u.username}`
          : `revoked ${role} from ${u.username}`;
      } catch (err) {
        $("#users-status").textContent = errorText(err);
      }
    };
    return button;
  });
}

async function renderEvents() {
  const box = $("#role-events");
  try {
    const { events } = await api("/admin/role-events?limit=20", { auth: true });
    box.replaceChildren(
      events.length
        ? el(
          "ul",
          { class: "role-events" },
          ...events.map((e) =>
            el(
              "li",
              { "data-event": e.id },
              el("span", { class: "muted" }, new Date(e.at).toLocaleString()),
              ` ${e.actorName} ${e.action === "grant" ? "granted" : "revoked"} ${e.role} ${
                e.action === "grant" ? "to" : "from"
              } ${e.username ?? e.userId}`,
              el("span", { class: "muted" }, ` (${e.via})`),
            )
          ),
        )
        : el("p", { class: "muted" }, "no role changes yet"),
    );
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, errorText(err)));
  }
}

/** Bumped by every render: a slower, older answer never replaces a newer one. */
let renderGeneration = 0;

async function render() {
  const list = $("#users-list");
  const generation = ++renderGeneration;
  try {
    const q = new URLSearchParams({ limit: String(PAGE) });
    const search = $("#users-q").value.trim();
    if (search) q.set("q", search);
    const role = $("#users-role").value;
    if (role) q.set("role", role);
    if (cursors[page]) q.set("after", cursors[page]);
    const body = await api(`/admin/users?${q}`, { auth: true });
    if (generation !== renderGeneration) return;
    cursors[page + 1] = body.next ?? undefined;
    const rows = body.users.map((u) =>
      el(
        "tr",
        { "data-user": u.username },
        el(
          "td",
          {},
          el("strong", {}, u.displayName),
          el("span", { class: "muted" }, ` @${u.username}`),
          u.status === "banned" ? el("span", { class: "error" }, " banned") : "",
        ),
        el("td", { class: "user-roles" }, u.roles.join(", ")),
        el("td", { class: "role-actions" }, ...roleButtons(u, body.grantable, refresh)),
      )
    );
    list.replaceChildren(
      rows.length
        ? el(
          "table",
          { class: "wd-table" },
          el("thead", {}, el("tr", {}, ...["User", "Roles", ""].map((h) => el("th", {}, h)))),
          el("tbody", {}, ...rows),
        )
        : el("p", { class: "muted" }, "no users match"),
    );
    $("#users-prev").disabled = page === 0;
    $("#users-next").disabled = !body.next;
  } catch (err) {
    if (generation === renderGeneration) {
      list.replaceChildren(el("p", { class: "error" }, errorText(err)));
    }
  }
}

async function refresh() {
  await Promise.all([render(), renderEvents()]);
}

export function showUsers() {
  $("#users-view").hidden = false;
  if (!currentUser()?.roles?.includes("admin")) {
    $("#users-body").hidden = true;
    $("#users-signin").hidden = false;
    return;
  }
  $("#users-body").hidden = false;
  $("#users-signin").hidden = true;
  $("#users-search").onsubmit = (e) => {
    e.preventDefault();
    $("#users-status").textContent = "";
    cursors = [undefined];
    page = 0;
    render();
  };
  $("#users-prev").onclick = () => {
    page = Math.max(0, page - 1);
    render();
  };
  $("#users-next").onclick = () => {
    page++;
    render();
  };
  refresh();
}
