/** The shape of `GET /api/directory` (types only: the web client imports them). */

/** What a registered room's card shows beyond its live status. */
export interface RoomCard {
  title: string;
  category: string;
  coverUrl: string | null;
  owner: { id: string; username: string; displayName: string };
}

/** One room of the home page: live status from the directory, card fields when registered. */
export interface DirectoryEntry {
  roomId: string;
  viewers: number;
  /** Danmaku per second, recently. */
  rate: number;
  /** The streamer is on air. */
  live: boolean;
  liveSince: number | null;
  title: string | null;
  category: string | null;
  coverUrl: string | null;
  owner: RoomCard["owner"] | null;
}

export interface DirectoryResponse {
  rooms: DirectoryEntry[];
  /** Categories of the listed rooms (before filtering), sorted. */
  categories: string[];
}
