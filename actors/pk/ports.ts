/**
 * What the PK coordinator needs from the rest of the system: each room's gift total and top
 * gifters over the round (read from the room's own ledger: the PK never moves money), and a
 * place to record a finished round. Implemented on the relational store (`sql_store.ts`).
 */
import type { PkGifter, PkView } from "./contract.ts";

export interface PkRoundTotals {
  score: bigint;
  top: PkGifter[];
}

export interface PkLedger {
  /** Gifts to `roomId` committed in [fromMs, toMs). */
  round(roomId: string, fromMs: number, toMs: number): Promise<PkRoundTotals>;
}

export interface PkRecorder {
  /** Records a finished round once (a second call for the same battle changes nothing). */
  record(view: PkView): Promise<void>;
}
