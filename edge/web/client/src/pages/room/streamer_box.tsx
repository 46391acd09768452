/**
 * The streamer of a registered room in the room bar: name, followers and a follow button
 * (signed-in viewers other than the streamer).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError, currentUser } from "../../api.ts";
import { formatNumber } from "../../i18n/format.ts";
import { errorText, t } from "../../i18n/i18n.ts";
import { lazyComponent } from "../../components/lazy.tsx";

/** The offer of push after a follow (it decides whether to show): loaded on the first follow. */
const PushOffer = lazyComponent(
  () => import("../../notifications/push_offer.tsx").then((m) => m.PushOffer),
  { quiet: true },
);

interface Profile {
  user: { displayName: string };
  followers: number;
}

export function StreamerBox(
  { ownerId, notice }: { ownerId: string; notice: (s: string) => void },
) {
  const profile = useSignal<Profile | null>(null);
  const following = useSignal<boolean | null>(null);
  const busy = useSignal(false);
  /** Right after a follow: offer browser notifications for when they go live. */
  const offer = useSignal(false);
  const me = currentUser.value;
  const path = `/users/${encodeURIComponent(ownerId)}`;

  useEffect(() => {
    api<Profile>(path).then((p) => (profile.value = p), () => (profile.value = null));
  }, [ownerId]);
  useEffect(() => {
    if (!me || me.id === ownerId) return;
    api<{ following: boolean }>(`/me/following/${encodeURIComponent(ownerId)}`, { auth: true })
      .then((r) => (following.value = r.following), () => (following.value = false));
  }, [ownerId, me?.id]);

  const p = profile.value;
  if (!p) return null;
  const toggle = async () => {
    busy.value = true;
    try {
      await api(`${path}/follow`, { method: following.value ? "DELETE" : "POST", auth: true });
      following.value = !following.value;
      if (following.value) offer.value = true;
      profile.value = await api<Profile>(path);
    } catch (err) {
      notice(errorText(err instanceof ApiError ? err.code : "internal"));
    } finally {
      busy.value = false;
    }
  };
  return (
    <span id="streamer" class="streamer">
      <strong id="streamer-name">{p.user.displayName}</strong>
      <span id="followers" class="muted">
        {t("room.followers", { n: formatNumber(p.followers), count: p.followers })}
      </span>
      {me && me.id !== ownerId && following.value !== null && (
        <button
          id="follow-btn"
          type="button"
          class={following.value ? "secondary" : undefined}
          aria-pressed={following.value}
          disabled={busy.value}
          onClick={toggle}
        >
          {t(following.value ? "room.following" : "room.follow")}
        </button>
      )}
      {offer.value && <PushOffer name={p.user.displayName} onDone={() => (offer.value = false)} />}
    </span>
  );
}
