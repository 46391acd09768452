/** Where LiveKit is and how to sign for it. */
import type { MediaConfig } from "../config.ts";

export interface LivekitSettings {
  /** `ws(s)://` URL clients connect to. */
  wsUrl: string;
  /** `http(s)://` URL of the server APIs (derived from wsUrl). */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
}

export function livekitSettings(wsUrl: string, apiKey: string, apiSecret: string): LivekitSettings {
  const httpUrl = wsUrl.replace(/^ws(s?):\/\//, "http$1://");
  return { wsUrl: wsUrl.replace(/^http(s?):\/\//, "ws$1://"), httpUrl, apiKey, apiSecret };
}

/** Settings from the configuration, or undefined: media is off (embedded mode says so). */
export function livekitSettingsFromConfig(config: MediaConfig): LivekitSettings | undefined {
  if (!config.LIVEKIT_URL || !config.LIVEKIT_API_KEY || !config.LIVEKIT_API_SECRET) {
    return undefined;
  }
  return livekitSettings(config.LIVEKIT_URL, config.LIVEKIT_API_KEY, config.LIVEKIT_API_SECRET);
}

/** The LiveKit room of a Synapse room: the same id (ids are already subject-safe). */
export const livekitRoomName = (roomId: string): string => roomId;
