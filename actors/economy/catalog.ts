/** The gift catalog: what can be sent and for how much. */
import { z } from "zod";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { toBigInt } from "../../engine/sql/sql.ts";
import { AmountInput } from "./money.ts";

export interface CatalogGift {
  id: string;
  name: string;
  price: bigint;
  tier: number;
  active: boolean;
}

export async function listCatalog(
  db: SqlExecutor,
  includeInactive = false,
): Promise<CatalogGift[]> {
  const rows = await db.query<
    { id: string; name: string; price: unknown; tier: number; active: boolean }
  >(
    `SELECT id, name, price, tier, active FROM gift_catalog
      WHERE active OR $1::boolean ORDER BY tier, price, id`,
    [includeInactive],
  );
  return rows.map((r) => ({ ...r, price: toBigInt(r.price) }));
}

export const CatalogGiftInput = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,64}$/),
  name: z.string().trim().min(1).max(40),
  price: AmountInput,
  tier: z.number().int().min(1).max(9),
  active: z.boolean().default(true),
});
export type CatalogGiftInput = z.infer<typeof CatalogGiftInput>;

/** Add a gift or change one (price changes apply to gifts sent afterwards). */
export async function upsertCatalogGift(db: SqlExecutor, gift: CatalogGiftInput): Promise<void> {
  await db.query(
    `INSERT INTO gift_catalog (id, name, price, tier, active) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET name = $2, price = $3, tier = $4, active = $5`,
    [gift.id, gift.name, gift.price, gift.tier, gift.active],
  );
}
