// The streamer console (`/#/console`): create rooms and edit mine — title, category, cover
// URL, guest chat on/off, room admins (by username) — and go live / end the stream. Saved
// changes reach a live room at once (the server pushes them to the room actor).
import { $, api, currentUser, el } from "./api.js";
import { renderEarnings } from "./withdrawals.js";

const ROOM_ID = /^[a-z0-9_-]{3,64}$/;

function errorText(err) {
  return err.code ? `${err.code}: ${err.message}` : String(err);
}

/** Usernames → user ids (unknown names are reported, nothing is saved). */
async function resolveAdmins(names) {
  const ids = [];
  for (const name of names) {
    const { user } = await api(`/usernames/${encodeURIComponent(name)}`);
    ids.push(user.id);
  }
  return ids;
}

async function adminNames(ids) {
  const names = [];
  for (const id of ids) {
    try {
      names.push((await api(`/users/${encodeURIComponent(id)}`)).user.username);
    } catch {
      names.push(id);
    }
  }
  return names;
}

async function roomCard(room, reload) {
  const status = el("span", { class: "form-status" });
  const field = (label, input) => el("label", {}, el("span", {}, label), input);
  const title = el("input", { name: "title", value: room.title, maxlength: "120", required: true });
  const category = el("input", {
    name: "category",
    value: room.category,
    pattern: "[a-z0-9-]{1,40}",
  });
  const cover = el("input", {
    name: "coverUrl",
    value: room.coverUrl ?? "",
    type: "url",
    placeholder: "https://…",
  });
  const guestChat = el("input", { name: "guestChat", type: "checkbox", checked: room.guestChat });
  const admins = el("input", {
    name: "admins",
    value: (await adminNames(room.admins)).join(", "),
    placeholder: "usernames, comma separated",
  });
  const form = el(
    "form",
    { class: "room-form", "data-room": room.id },
    field("Title", title),
    field("Category", category),
    field("Cover URL", cover),
    el("label", { class: "check" }, guestChat, el("span", {}, "Guests may chat")),
    field("Room admins", admins),
    el("div", { class: "form-actions" }, el("button", { type: "submit" }, "Save"), status),
  );
  form.onsubmit = async (e) => {
    e.preventDefault();
    status.textContent = "saving…";
    try {
      const names = admins.value.split(",").map((s) => s.trim()).filter(Boolean);
      const patch = {
        title: title.value.trim(),
        category: category.value.trim(),
        coverUrl: cover.value.trim() || null,
        guestChat: guestChat.checked,
        admins: await resolveAdmins(names),
      };
      const res = await api(`/rooms/${encodeURIComponent(room.id)}`, {
        method: "PATCH",
        json: patch,
        auth: true,
      });
      status.textContent = res.settingsApplied ? "saved · live in the room" : "saved";
    } catch (err) {
      status.textContent = errorText(err);
    }
  };
  const live = !!room.liveStreamId;
  const toggle = el("button", { class: live ? "secondary" : "" }, live ? "End stream" : "Go live");
  toggle.onclick = async () => {
    try {
      await api(`/rooms/${encodeURIComponent(room.id)}/stream/${live ? "stop" : "start"}`, {
        method: "POST",
        auth: true,
      });
      reload();
    } catch (err) {
      status.textContent = errorText(err);
    }
  };
  return el(
    "article",
    { class: "console-room" },
    el(
      "header",
      {},
      el("a", { href: `/r/${encodeURIComponent(room.id)}` }, el("strong", {}, room.id)),
      el("span", { class: live ? "pill live-pill" : "pill" }, live ? "LIVE" : "offline"),
      toggle,
      el("a", { href: `/studio/${encodeURIComponent(room.id)}` }, "Dashboard"),
    ),
    form,
  );
}

async function renderRooms() {
  const list = $("#console-rooms");
  try {
    const { rooms } = await api("/me/rooms", { auth: true });
    const cards = [];
    for (const r of rooms) cards.push(await roomCard(r, renderRooms));
    list.replaceChildren(
      ...(cards.length ? cards : [el("p", { class: "muted" }, "no rooms yet: create one")]),
    );
  } catch (err) {
    list.replaceChildren(el("p", { class: "error" }, errorText(err)));
  }
}

export function showConsole() {
  $("#console-view").hidden = false;
  if (!currentUser()) {
    $("#console-body").hidden = true;
    $("#console-signin").hidden = false;
    return;
  }
  $("#console-body").hidden = false;
  $("#console-signin").hidden = true;
  const form = $("#create-room-form");
  form.onsubmit = async (e) => {
    e.preventDefault();
    const status = $("#create-room-status");
    const data = Object.fromEntries(new FormData(form));
    const json = { title: data.title.trim(), guestChat: form.elements.guestChat.checked };
    const id = data.id.trim();
    if (id) {
      if (!ROOM_ID.test(id)) return (status.textContent = "room id: 3-64 of a-z 0-9 _ -");
      json.id = id;
    }
    if (data.category.trim()) json.category = data.category.trim();
    if (data.coverUrl.trim()) json.coverUrl = data.coverUrl.trim();
    try {
      const { room } = await api("/rooms", { json, auth: true });
      status.textContent = `created ${room.id}`;
      form.reset();
      await renderRooms();
    } catch (err) {
      status.textContent = errorText(err);
    }
  };
  renderRooms();
  renderEarnings();
}
