/** How grand a gift's animation is, by the coins the whole gift is worth (price × count). */
export function giftTier(amount: string): 1 | 2 | 3 {
  const coins = BigInt(amount);
  return coins >= 1000n ? 3 : coins >= 100n ? 2 : 1;
}
