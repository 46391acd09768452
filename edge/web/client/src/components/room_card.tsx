/** One live room on the home page: cover, live badge, viewers, title, streamer and category.
 * The cover of a live room is a recent key frame of its stream when this server records
 * (`/api/rooms/:id/cover.jpg`, refreshed every 30 s), else the streamer's cover, else a
 * coloured letter. The whole card is one link. */
import { useSignal } from "@preact/signals";
import type { DirectoryEntry } from "../../../../directory_entry.ts";
import { formatDuration, formatNumber } from "../i18n/format.ts";
import { t } from "../i18n/i18n.ts";

/** A stable hue per room, so a room without a cover keeps its colour between visits. */
function hueOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

const LIVE_COVER_MS = 30_000;

export function RoomCard(
  { room, now, liveCovers }: { room: DirectoryEntry; now: number; liveCovers: boolean },
) {
  const title = room.title ?? room.roomId;
  const href = `/r/${encodeURIComponent(room.roomId)}`;
  const frameFailed = useSignal(false);
  const frame = room.live && liveCovers && !frameFailed.value
    ? `/api/rooms/${encodeURIComponent(room.roomId)}/cover.jpg?t=${Math.floor(now / LIVE_COVER_MS)}`
    : null;
  const src = frame ?? room.coverUrl;
  return (
    <li class="room-card" data-room={room.roomId}>
      <a href={href} class="room-card-link">
        <div class="cover" style={{ "--hue": hueOf(room.roomId) }}>
          {src
            ? (
              <img
                src={src}
                class={frame ? "live-frame" : undefined}
                alt={t("card.coverAlt", { title })}
                loading="lazy"
                onError={() => frame && (frameFailed.value = true)}
              />
            )
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
