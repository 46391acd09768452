/** One live room on the home page: cover (or a placeholder), live badge, viewers, title,
 * streamer and category. The whole card is one link. */
import type { DirectoryEntry } from "../../../../directory_entry.ts";
import { formatDuration, formatNumber } from "../i18n/format.ts";
import { t } from "../i18n/i18n.ts";

/** A stable hue per room, so a room without a cover keeps its colour between visits. */
function hueOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

export function RoomCard({ room, now }: { room: DirectoryEntry; now: number }) {
  const title = room.title ?? room.roomId;
  const href = `/r/${encodeURIComponent(room.roomId)}`;
  return (
    <li class="room-card" data-room={room.roomId}>
      <a href={href} class="room-card-link">
        <div class="cover" style={{ "--hue": hueOf(room.roomId) }}>
          {room.coverUrl
            ? <img src={room.coverUrl} alt={t("card.coverAlt", { title })} loading="lazy" />
            : <span class="cover-letter" aria-hidden="true">{[...title][0]?.toUpperCase()}</span>}
          {room.live
            ? <span class="badge live">{t("card.live")}</span>
            : <span class="badge idle">{t("card.idle")}</span>}
          <span class="cover-meta">
            <span>
              {t("card.viewers", { n: formatNumber(room.viewers, true), count: room.viewers })}
            </span>
            {room.live && room.liveSince
              ? <span>{t("card.liveFor", { d: formatDuration(now - room.liveSince) })}</span>
              : <span>{t("card.rate", { n: formatNumber(Math.round(room.rate * 10) / 10) })}</span>}
          </span>
        </div>
        <span class="room-title">{title}</span>
      </a>
      <span class="room-sub">
        <span class="streamer-name">{room.owner?.displayName ?? room.roomId}</span>
        <span aria-hidden="true">·</span>
        <span class="category">{room.category || t("card.uncategorised")}</span>
      </span>
    </li>
  );
}
