// Follows: the follow/unfollow button for a room's streamer (the home page's row of followed
// streamers who are live is in client/src/pages/home.tsx).
import { $, api, currentUser } from "./api.js";

/** Show the streamer (owner of a registered room) with a follow button in the room bar. */
export async function initFollowButton(ownerId, notice) {
  const box = $("#streamer");
  if (!ownerId) {
    box.hidden = true;
    return;
  }
  let profile;
  try {
    profile = await api(`/users/${encodeURIComponent(ownerId)}`);
  } catch {
    box.hidden = true;
    return;
  }
  const btn = $("#follow-btn");
  const setCount = (n) => ($("#followers").textContent = `${n} followers`);
  $("#streamer-name").textContent = profile.user.displayName;
  setCount(profile.followers);
  box.hidden = false;
  const me = currentUser();
  if (!me || me.id === ownerId) {
    btn.hidden = true;
    return;
  }
  let following = false;
  const render = () => {
    btn.textContent = following ? "Following ✓" : "Follow";
    btn.classList.toggle("secondary", following);
  };
  try {
    following = (await api(`/me/following/${encodeURIComponent(ownerId)}`, { auth: true }))
      .following;
  } catch {
    // shown as not following; the click tells the truth
  }
  render();
  btn.hidden = false;
  btn.onclick = async () => {
    btn.disabled = true;
    try {
      await api(`/users/${encodeURIComponent(ownerId)}/follow`, {
        method: following ? "DELETE" : "POST",
        auth: true,
      });
      following = !following;
      render();
      setCount((await api(`/users/${encodeURIComponent(ownerId)}`)).followers);
    } catch (err) {
      notice(`${err.code ?? "error"}: ${err.message}`);
    } finally {
      btn.disabled = false;
    }
  };
}
