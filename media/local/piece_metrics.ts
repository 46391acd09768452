/**
 * `synapse_media_piece_up{piece,state}` (1 while up) and `synapse_media_piece_restarts{piece}`
 * for the embedded media servers, read at scrape time from every running `LocalMedia`.
 */
import { metrics } from "../../engine/metrics.ts";
import type { PieceStatus } from "./local_media.ts";

interface PieceSource {
  pieces(): PieceStatus[];
}

const sources = new Set<PieceSource>();

const up = metrics.gauge(
  "synapse_media_piece_up",
  "1 while an embedded media server (redis, livekit-server, ingress) is up, by piece and state",
);
const restarts = metrics.gauge(
  "synapse_media_piece_restarts",
  "Times an embedded media server was restarted after it exited, by piece",
);
up.collect(() =>
  [...sources].flatMap((s) =>
    s.pieces().map((p) => ({
      labels: { piece: p.piece, state: p.state },
      value: p.state === "up" ? 1 : 0,
    }))
  )
);
restarts.collect(() =>
  [...sources].flatMap((s) =>
    s.pieces().map((p) => ({ labels: { piece: p.piece }, value: p.restarts }))
  )
);

/** Report `source`'s pieces until the returned function is called. */
export function reportPieces(source: PieceSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}
